import { getEventListeners } from "node:events";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpTimeoutError, RefusedRequestError } from "../../ports/http.js";
import { addressPolicy } from "./address-policy.js";
import { guardedHttp } from "./guarded-client.js";

// The outbound client against two real local servers: different ports are different origins.
interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}
const seen: { a: Seen[]; b: Seen[] } = { a: [], b: [] };
let a: Server;
let b: Server;
let urlA = "";
let urlB = "";

function server(name: "a" | "b"): Promise<[Server, string]> {
  const s = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on("end", () => {
      seen[name].push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      const path = new URL(req.url ?? "/", "http://x").pathname;
      if (path === "/to-b") return res.writeHead(302, { location: `${urlB}/landed` }).end();
      if (path === "/to-self") return res.writeHead(307, { location: "/landed" }).end();
      if (path === "/see-other") return res.writeHead(303, { location: "/landed" }).end();
      if (path === "/loop") return res.writeHead(302, { location: "/loop" }).end();
      if (path === "/hang") return;
      if (path === "/big") return res.writeHead(200).end("x".repeat(2048));
      res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
    });
  });
  return new Promise((ok) =>
    s.listen(0, "127.0.0.1", () => {
      const address = s.address();
      ok([s, `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`]);
    }),
  );
}

beforeAll(async () => {
  [a, urlA] = await server("a");
  [b, urlB] = await server("b");
});
afterAll(() => {
  a.close();
  b.close();
});

const allowed = guardedHttp({ allowPrivate: true, maxResponseBytes: 1024 });
const guarded = guardedHttp({ allowPrivate: false });
const secret = { authorization: "Bearer secret", "x-api-key": "k" };

describe("guardedHttp without TRACARDI_HTTP_ALLOW_PRIVATE", () => {
  it.each([
    ["http://127.0.0.1:8687/api/v1/profiles", /127\.0\.0\.1 is a loopback address/],
    ["http://localhost:8687/", /localhost is this host/],
    ["http://169.254.169.254/latest/meta-data/", /169\.254\.169\.254 is a link-local address/],
    ["http://[::1]:8687/", /::1 is a loopback address/],
    ["http://[::ffff:127.0.0.1]:8687/", /loopback/],
    ["http://0.0.0.0:8687/", /unspecified/],
    ["http://2130706433:8687/", /127\.0\.0\.1 is a loopback/],
    ["https://kubernetes.default.svc/api", /Kubernetes API server/],
    ["http://tracardi-private.tracardi.svc.cluster.local:8687/", /service of the cluster/],
    ["file:///etc/passwd", /not an http\(s\) URL/],
  ])("refuses %s before connecting", async (url, reason) => {
    const call = guarded({ method: "GET", url, headers: {}, timeoutMs: 2000 });
    await expect(call).rejects.toThrow(RefusedRequestError);
    await expect(call).rejects.toThrow(reason);
  });

  it("checks the addresses a name resolves to, and connects to the address it checked", async () => {
    // Every name passes; a stub resolver answers; only the check after resolving can refuse.
    const real = addressPolicy({});
    const asked: string[] = [];
    const client = (allow: (ip: string) => string | undefined) =>
      guardedHttp({
        allowPrivate: false,
        policy: { hostProblem: () => undefined, addressProblem: allow },
        resolve: (host, _options, callback) => {
          asked.push(host);
          callback(null, [{ address: "127.0.0.1", family: 4 }]);
        },
      });
    const url = `http://partner.example:${new URL(urlA).port}/via-name`;
    const before = seen.a.length;
    await expect(
      client((ip) => real.addressProblem(ip))({ method: "GET", url, headers: {}, timeoutMs: 2000 }),
    ).rejects.toThrow("refused partner.example: it resolves to 127.0.0.1 is a loopback address");
    expect(seen.a.length).toBe(before);
    // Names are resolved as absolute names: no search domain (`<name>.<namespace>.svc…`) applies.
    expect(asked).toEqual(["partner.example."]);
    // Allowed, the connection goes to the checked address (the system resolver does not know the name).
    const ok = await client(() => undefined)({ method: "GET", url, headers: {}, timeoutMs: 2000 });
    expect(ok.status).toBe(200);
    expect(seen.a.at(-1)?.url).toBe("/via-name");
  });
});

describe("guardedHttp redirects (private addresses allowed)", () => {
  it("does not follow a redirect to another origin: the headers never reach it", async () => {
    const before = seen.b.length;
    const call = allowed({
      method: "POST",
      url: `${urlA}/to-b`,
      headers: secret,
      body: "{}",
      timeoutMs: 2000,
    });
    await expect(call).rejects.toThrow(RefusedRequestError);
    await expect(call).rejects.toThrow(`redirect from ${urlA} to another origin (${urlB}) is not followed`);
    expect(seen.b.length).toBe(before);
    expect(seen.a.at(-1)?.headers.authorization).toBe("Bearer secret");
  });

  it("follows a same-origin redirect with method, body and headers (307), and 303 as a GET", async () => {
    const kept = await allowed({
      method: "PUT",
      url: `${urlA}/to-self`,
      headers: secret,
      body: "x",
      timeoutMs: 2000,
    });
    expect(kept.status).toBe(200);
    expect(seen.a.at(-1)).toMatchObject({ method: "PUT", url: "/landed", body: "x", headers: secret });
    const other = await allowed({
      method: "POST",
      url: `${urlA}/see-other`,
      headers: { ...secret, "content-type": "application/json" },
      body: "{}",
      timeoutMs: 2000,
    });
    expect(other.body).toBe('{"ok":true}');
    expect(seen.a.at(-1)).toMatchObject({ method: "GET", url: "/landed", body: "" });
    expect(seen.a.at(-1)?.headers["content-type"]).toBeUndefined();
  });

  it("stops after a few redirects, times out, and refuses an answer that is too large", async () => {
    await expect(
      allowed({ method: "GET", url: `${urlA}/loop`, headers: {}, timeoutMs: 2000 }),
    ).rejects.toThrow(/more than 5 redirects/);
    const hang = allowed({ method: "GET", url: `${urlA}/hang`, headers: {}, timeoutMs: 50 });
    await expect(hang).rejects.toThrow(HttpTimeoutError);
    await expect(hang).rejects.toThrow("timed out after 50 ms");
    await expect(
      allowed({ method: "GET", url: `${urlA}/big`, headers: {}, timeoutMs: 2000 }),
    ).rejects.toThrow(/larger than 1024 bytes/);
  });

  it("stops every call of an aborted signal with its reason, and keeps no listener on it afterwards", async () => {
    const shutdown = new AbortController();
    const hanging = () =>
      allowed({ method: "GET", url: `${urlA}/hang`, headers: {}, timeoutMs: 5000, signal: shutdown.signal });
    const calls = [hanging(), hanging()];
    const answered = await allowed({
      method: "GET",
      url: `${urlA}/`,
      headers: {},
      timeoutMs: 2000,
      signal: shutdown.signal,
    });
    expect(answered.status).toBe(200);
    const reason = new Error("stopping");
    shutdown.abort(reason);
    for (const call of calls) await expect(call).rejects.toBe(reason);
    expect(getEventListeners(shutdown.signal, "abort")).toHaveLength(0);
    await expect(hanging()).rejects.toBe(reason);

    const once = new AbortController();
    await allowed({ method: "GET", url: `${urlA}/`, headers: {}, timeoutMs: 2000, signal: once.signal });
    expect(getEventListeners(once.signal, "abort")).toHaveLength(0);
  });

  it("keeps connections alive and reuses them per destination", async () => {
    let connections = 0;
    const receiver = createServer((req, res) => {
      req.resume();
      req.on("end", () => res.writeHead(200).end());
    });
    receiver.on("connection", () => connections++);
    await new Promise<void>((ok) => receiver.listen(0, "127.0.0.1", ok));
    const address = receiver.address();
    const url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/`;
    const http = guardedHttp({ allowPrivate: true });
    try {
      let sent = 0;
      const caller = async () => {
        while (sent++ < 200) await http({ method: "POST", url, headers: {}, body: "{}", timeoutMs: 2000 });
      };
      await Promise.all(Array.from({ length: 4 }, caller));
      // 200 requests, 4 at a time: over the few connections the first ones opened (the pool may open
      // a few more than 4 while its first connections are still being made).
      expect(connections).toBeLessThanOrEqual(8);
    } finally {
      await new Promise((ok) => receiver.close(ok));
    }
  });
});
