import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BROWSER_UA, RuntimeProcess, request } from "../harness.js";

// Issue 11: every payload /track or /collect does not accept is counted once, by reason, in
// tracardi_payloads_rejected_total; /track takes JSON (also as text/plain), /collect any body.
let rt: RuntimeProcess;
const SOURCE = "rejections-site";
const HOOK = "rejections-hook";

beforeAll(async () => {
  rt = await RuntimeProcess.start({
    TRACARDI_BODY_LIMIT: "4096",
    TRACARDI_MAX_EVENTS_PER_PAYLOAD: "5",
    TRACARDI_MAX_JSON_DEPTH: "8",
    TRACARDI_MAX_JSON_ARRAY_LENGTH: "20",
  });
  await rt.createSource(SOURCE);
  await rt.createSource(HOOK, { type: "webhook" });
});
afterAll(async () => rt?.stop());

interface Detail {
  detail: string | { loc: (string | number)[]; msg: string; type: string }[];
}

/** POSTs `body`; `contentType` null sends none (fetch adds text/plain to a string body, not to bytes). */
function post<T = Detail>(path: string, body: string, contentType: string | null, userAgent = BROWSER_UA) {
  const headers: Record<string, string> = { "user-agent": userAgent };
  if (contentType !== null) headers["content-type"] = contentType;
  return request<T>(`${rt.publicUrl}${path}`, { method: "POST", headers, body: Buffer.from(body) });
}

const payload = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    source: { id: SOURCE },
    session: { id: randomUUID() },
    events: [{ type: "page-view" }],
    ...extra,
  });

/** tracardi_payloads_rejected_total by reason, and tracardi_payloads_accepted_total as `accepted`. */
async function counts(): Promise<Record<string, number>> {
  const metrics = await request<string>(`${rt.publicUrl}/metrics`, {});
  expect(metrics.status).toBe(200);
  const result: Record<string, number> = {};
  for (const match of metrics.body.matchAll(/^tracardi_payloads_rejected_total\{reason="(\w+)"\} (\d+)$/gm)) {
    result[match[1] as string] = Number(match[2]);
  }
  const accepted = /^tracardi_payloads_accepted_total (\d+)$/m.exec(metrics.body);
  result.accepted = Number(accepted?.[1] ?? Number.NaN);
  return result;
}

/** What changed between two `counts()`, leaving out what did not. */
function changes(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const diff: Record<string, number> = {};
  for (const [key, value] of Object.entries(after)) {
    if (value !== (before[key] ?? 0)) diff[key] = value - (before[key] ?? 0);
  }
  return diff;
}

async function countedAs(send: () => Promise<{ status: number }>, status: number) {
  const before = await counts();
  const res = await send();
  expect(res.status).toBe(status);
  return changes(before, await counts());
}

describe("every refused payload is counted once, by reason", () => {
  it("reports every reason from the start", async () => {
    expect(Object.keys(await counts()).sort()).toEqual(
      [
        "accepted",
        "bot",
        "content_type",
        "error",
        "invalid",
        "not_json",
        "source",
        "too_deep",
        "too_large",
        "too_many_events",
        "too_wide",
        "unavailable",
      ].sort(),
    );
  });

  it.each([
    ["invalid", "/track", JSON.stringify({ events: [{ type: "page-view" }] }), "application/json"],
    ["invalid", "/track", payload({ events: [{ type: " " }] }), "application/json"],
    ["invalid", `/collect/%20/${HOOK}`, "{}", "application/json"],
    ["not_json", "/track", "{not json", "application/json"],
    ["not_json", "/track", "", "application/json"],
    ["not_json", "/track", "not json", "text/plain"],
    ["not_json", `/collect/page-view/${HOOK}`, "{not json", "application/json"],
    [
      "too_many_events",
      "/track",
      payload({ events: Array(6).fill({ type: "page-view" }) }),
      "application/json",
    ],
    [
      "too_deep",
      "/track",
      payload({ events: [{ type: "x", properties: { a: { a: { a: { a: { a: {} } } } } } }] }),
      "application/json",
    ],
    [
      "too_deep",
      `/collect/page-view/${HOOK}`,
      '{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{}}}}}}}}}',
      "text/plain",
    ],
    [
      "too_wide",
      "/track",
      payload({ events: [{ type: "x", properties: { list: Array(21).fill(1) } }] }),
      "application/json",
    ],
    [
      "too_large",
      "/track",
      payload({ events: [{ type: "x", properties: { blob: "x".repeat(5000) } }] }),
      "application/json",
    ],
    ["content_type", "/track", "<event/>", "application/xml"],
    ["not_json", "/track", "{not json", null],
    ["source", "/track", payload({ source: { id: "no-such-source" } }), "application/json"],
    ["source", `/collect/page-view/${SOURCE}`, "{}", "application/json"],
  ])("%s: POST %s", async (reason, path, body, contentType) => {
    const status = { invalid: 422, too_large: 413, content_type: 415, source: 401 }[reason] ?? 422;
    expect(await countedAs(() => post(path, body, contentType), status)).toEqual({ [reason]: 1 });
  });

  it("bot: a crawler's payload", async () => {
    const crawler = "Googlebot/2.1 (+http://www.google.com/bot.html)";
    expect(await countedAs(() => post("/track", payload(), "application/json", crawler), 401)).toEqual({
      bot: 1,
    });
  });

  it("too_wide: a webhook query string with too many items", async () => {
    const query = Array.from({ length: 1001 }, (_, i) => `k${i}=1`).join("&");
    const send = () =>
      request(`${rt.publicUrl}/collect/page-view/${HOOK}?${query}`, {
        headers: { "user-agent": BROWSER_UA },
      });
    expect(await countedAs(send, 422)).toEqual({ too_wide: 1 });
  });

  it("counts an accepted payload as accepted only, and health or unknown routes not at all", async () => {
    expect(await countedAs(() => post("/track", payload(), "application/json"), 200)).toEqual({
      accepted: 1,
    });
    expect(
      await countedAs(() => request(`${rt.publicUrl}/nope`, { method: "POST", body: "x" }), 404),
    ).toEqual({});
    expect(await countedAs(() => request(`${rt.publicUrl}/healthz`, {}), 200)).toEqual({});
  });
});

describe("content types", () => {
  it("answers /track 415 with {detail} for XML, forms and other types it does not parse", async () => {
    for (const type of [
      "application/xml",
      "text/xml",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "application/octet-stream",
    ]) {
      const res = await post("/track", payload(), type);
      expect(res.status, type).toBe(415);
      expect(res.body, type).toEqual({ detail: `Unsupported content type: ${type}` });
    }
  });

  it("still accepts /track JSON as application/json (any charset), as text/plain (sendBeacon) and without a type", async () => {
    for (const type of [
      "application/json",
      "application/json; charset=utf-8",
      "text/plain;charset=UTF-8",
      null,
    ]) {
      const res = await post<{ session: { id: string } }>("/track", payload(), type);
      expect(res.status, String(type)).toBe(200);
      expect(res.body.session.id, String(type)).toMatch(/./);
    }
  });

  it("still accepts any body on /collect, as Tracardi's webhook bridge does", async () => {
    const session = randomUUID();
    const bodies: [string, string | null][] = [
      ['{"via":"json"}', "application/json"],
      ["via=form", "application/x-www-form-urlencoded"],
      ['{"via":"beacon"}', "text/plain"],
      ["plain words", "text/plain"],
      ["<via>xml</via>", "application/xml"],
      ["no type", null],
    ];
    for (const [body, type] of bodies) {
      const res = await post(`/collect/hook-event/${HOOK}/${session}`, body, type);
      expect(res.status, String(type)).toBe(200);
    }
    await rt.drained();
    const stored = (await rt.events(`session=${session}&type=hook-event`)).body.items.map(
      (e) => e.properties,
    );
    expect(stored).toEqual(
      expect.arrayContaining([
        { via: "json" },
        { via: "form" },
        { via: "beacon" },
        { body: "plain words" },
        { body: "<via>xml</via>" },
        { body: "no type" },
      ]),
    );
    expect(stored).toHaveLength(bodies.length);
  });
});

describe("a queue that cannot accept", () => {
  let full: RuntimeProcess;
  beforeAll(async () => {
    full = await RuntimeProcess.start({ TRACARDI_MAX_BACKLOG: "0" });
    await full.createSource(SOURCE);
  });
  afterAll(async () => full?.stop());

  it("counts each 503 once as unavailable", async () => {
    const metric = async () => {
      const metrics = await request<string>(`${full.publicUrl}/metrics`, {});
      return metrics.body.match(/^tracardi_payloads_rejected_total\{reason="\w+"\} [1-9]\d*$/gm) ?? [];
    };
    expect(await metric()).toEqual([]);
    for (let i = 0; i < 2; i++) {
      const res = await request(`${full.publicUrl}/track`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: payload(),
      });
      expect(res.status).toBe(503);
    }
    expect(await metric()).toEqual(['tracardi_payloads_rejected_total{reason="unavailable"} 2']);
  });
});
