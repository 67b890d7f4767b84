import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { guardedHttp } from "../../adapters/http/guarded-client.js";
import type { Resource, WebhookSettings } from "../../domain/destination.js";
import { deliverWebhook as deliver } from "./webhook.js";

// The webhook dispatcher against a real local HTTP server.
let server: Server;
let base = "";
const seen: { method: string; url: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ method: req.method ?? "", url: req.url ?? "" });
    const status = Number(new URL(req.url ?? "/", "http://x").pathname.slice(1)) || 200;
    if (status === 999) return; // never answers
    res.writeHead(status).end();
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
});
afterAll(() => server.close());

// The receiver is on loopback: as with TRACARDI_HTTP_ALLOW_PRIVATE=true.
const allowPrivate = guardedHttp({ allowPrivate: true });
const deliverWebhook: typeof deliver = (r, s, b, signal) => deliver(r, s, b, signal, allowPrivate);

const resource = (path: string): Resource => ({
  id: "r",
  name: "r",
  type: "webhook",
  enabled: true,
  credentials: { url: `${base}${path}` },
});
const settings = (extra: Partial<WebhookSettings> = {}): WebhookSettings => ({
  method: "POST",
  headers: {},
  timeout_ms: 2000,
  max_attempts: 3,
  ...extra,
});

describe("deliverWebhook", () => {
  it("flattens the body into the query string for GET, booleans as 1/0, nulls dropped", async () => {
    const result = await deliverWebhook(resource("/200"), settings({ method: "GET" }), {
      data: { a: { b: 1 }, ok: true, gone: null },
    });
    expect(result).toEqual({ ok: true, status: 200 });
    expect(seen.at(-1)).toEqual({ method: "GET", url: "/200?data.a.b=1&data.ok=1" });
  });

  it("calls 4xx permanent, and 5xx, 429 and timeouts worth a retry", async () => {
    expect(await deliverWebhook(resource("/404"), settings(), {})).toMatchObject({
      ok: false,
      permanent: true,
    });
    expect(await deliverWebhook(resource("/503"), settings(), {})).toMatchObject({
      ok: false,
      permanent: false,
    });
    expect(await deliverWebhook(resource("/429"), settings(), {})).toMatchObject({
      ok: false,
      permanent: false,
    });
    const slow = await deliverWebhook(resource("/999"), settings({ timeout_ms: 50 }), {});
    expect(slow).toMatchObject({ ok: false, permanent: false });
    expect(slow.ok ? "" : slow.reason).toMatch(/timed out after 50 ms/);
  });

  it("calls a refused address a permanent failure with the reason, without sending", async () => {
    const before = seen.length;
    const refused = await deliver(
      resource("/200"),
      settings(),
      {},
      undefined,
      guardedHttp({ allowPrivate: false }),
    );
    expect(refused).toEqual({
      ok: false,
      permanent: true,
      reason: expect.stringMatching(/refused http:\/\/127\.0\.0\.1:\d+: 127\.0\.0\.1 is a loopback address/),
    });
    expect(seen.length).toBe(before);
  });
});
