import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BROWSER_UA, eventually, RuntimeProcess, request } from "../harness.js";

// Issue 10, cases 1–3: what reaches the door is either refused with a reason or stored as validated;
// no body can stop the pipeline or fail another request.
let rt: RuntimeProcess;
const SOURCE = "hostile-site";
const HOOK = "hostile-hook";

beforeAll(async () => {
  rt = await RuntimeProcess.start();
  await rt.createSource(SOURCE);
  await rt.createSource(HOOK, { type: "webhook" });
});
afterAll(async () => rt?.stop());

interface Detail {
  detail: { loc: (string | number)[]; msg: string; type: string }[];
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

function post(path: string, body: string | Buffer, contentType = "application/json") {
  return request<Detail>(`${rt.publicUrl}${path}`, {
    method: "POST",
    headers: { "content-type": contentType, "user-agent": BROWSER_UA },
    body,
  });
}

/** `{"a":{"a":…1…}}`, `depth` objects deep. */
function nestedObjects(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
}

function trackJson(session: string, properties: string): string {
  return `{"source":{"id":"${SOURCE}"},"session":{"id":"${session}"},"events":[{"type":"page-view","properties":${properties}}]}`;
}

/** How many of the session's stored events have each of `types`. */
async function storedCounts(session: string, types: string[]): Promise<number[]> {
  const counts: number[] = [];
  for (const type of types) {
    const stored = await rt.events(`session=${session}&type=${type}`);
    expect(stored.status).toBe(200);
    counts.push(stored.body.total);
  }
  return counts;
}

describe("case 1: what is queued is what was validated", () => {
  it("stores a /track body that starts with a byte-order mark, keeps processing, and survives a restart", async () => {
    const session = randomUUID();
    const bom = await post(
      "/track",
      Buffer.concat([
        BOM,
        Buffer.from(
          `{"source":{"id":"${SOURCE}"},"session":{"id":"${session}"},"events":[{"type":"page-view"}]}`,
        ),
      ]),
    );
    expect(bom.status).toBe(200);
    const later = await rt.track({
      source: { id: SOURCE },
      session: { id: session },
      events: [{ type: "later-event" }],
    });
    expect(later.status).toBe(200);
    await rt.drained();
    expect(await storedCounts(session, ["page-view", "later-event"])).toEqual([1, 1]);
    expect((await rt.admin("GET", "/api/v1/status")).status).toBe(200);

    await rt.kill("SIGTERM");
    await rt.launch();
    const afterRestart = await rt.track({
      source: { id: SOURCE },
      session: { id: session },
      events: [{ type: "after-restart" }],
    });
    expect(afterRestart.status).toBe(200);
    await rt.drained();
    expect(await storedCounts(session, ["page-view", "later-event", "after-restart"])).toEqual([1, 1, 1]);
    expect((await rt.admin("GET", "/api/v1/status")).status).toBe(200);
  });

  it("stores a text/plain (sendBeacon) body that starts with a byte-order mark", async () => {
    const session = randomUUID();
    const beacon = await post(
      "/track",
      Buffer.concat([BOM, Buffer.from(trackJson(session, '{"via":"beacon"}'))]),
      "text/plain;charset=UTF-8",
    );
    expect(beacon.status).toBe(200);
    await rt.drained();
    const stored = await rt.events(`session=${session}&type=page-view`);
    expect(stored.body.items.map((e) => e.properties)).toEqual([{ via: "beacon" }]);
  });

  it("refuses what the parser refuses: two byte-order marks are not JSON", async () => {
    const twice = await post("/track", Buffer.concat([BOM, BOM, Buffer.from(trackJson(randomUUID(), "{}"))]));
    expect(twice.status).toBe(422);
    expect(twice.body.detail[0]?.type).toBe("value_error.jsondecode");
  });

  it("refuses text with a lone surrogate (no UTF-8 form, so not storable as sent) with 422 naming it", async () => {
    const res = await post("/track", trackJson(randomUUID(), '{"name":"\\ud800x"}'));
    expect(res.status).toBe(422);
    expect(res.body.detail[0]).toMatchObject({
      loc: ["body", "events", 0, "properties", "name"],
      type: "value_error.str.unicode",
    });
    // A well-formed pair of the same escapes is an emoji, and is stored.
    expect((await post("/track", trackJson(randomUUID(), '{"name":"\\ud83d\\ude00"}'))).status).toBe(200);
  });
});

describe("case 2: depth and size limits at the door", () => {
  const expectTooDeep = (res: { status: number; body: Detail }, prefix: (string | number)[]) => {
    expect(res.status).toBe(422);
    const [detail] = res.body.detail;
    expect(detail?.type).toBe("value_error.json.too_deep");
    expect(detail?.msg).toBe("nested deeper than 64 levels");
    expect(detail?.loc.slice(0, prefix.length)).toEqual(prefix);
  };

  it("refuses /track bodies nested 150k and 6k levels deep with 422 naming the path", async () => {
    const huge = trackJson(randomUUID(), nestedObjects(150_000));
    expect(huge.length).toBeLessThan(1024 * 1024);
    const deepest = await post("/track", huge);
    expectTooDeep(deepest, ["body", "events", 0, "properties", "a", "a"]);
    // The object at level 65: body, events, [0] and properties are the first four levels.
    expect(deepest.body.detail[0]?.loc).toHaveLength(1 + 64);
    expectTooDeep(await post("/track", trackJson(randomUUID(), nestedObjects(6_000))), [
      "body",
      "events",
      0,
      "properties",
    ]);
  });

  it("refuses deep /collect bodies as JSON and as text, and deep private API bodies", async () => {
    const deepArray = `${"[".repeat(6_000)}${"]".repeat(6_000)}`;
    expectTooDeep(await post(`/collect/page-view/${HOOK}`, `{"list":${deepArray}}`), ["body", "list", 0, 0]);
    expectTooDeep(await post(`/collect/page-view/${HOOK}`, nestedObjects(6_000), "text/plain"), [
      "body",
      "a",
      "a",
    ]);
    const privateApi = await request<Detail>(`${rt.privateUrl}/api/v1/event-sources`, {
      method: "POST",
      headers: { authorization: `Bearer ${rt.token}`, "content-type": "application/json" },
      body: `{"id":"deep","name":"deep","type":"rest","config":${nestedObjects(150_000)}}`,
    });
    expectTooDeep(privateApi, ["body", "config", "a"]);
  });

  it("refuses over-wide arrays and objects in bodies, forms and query strings", async () => {
    const list = JSON.stringify(Array.from({ length: 10_001 }, (_, i) => i));
    const wideArray = await post("/track", trackJson(randomUUID(), `{"list":${list}}`));
    expect(wideArray.status).toBe(422);
    expect(wideArray.body.detail[0]).toMatchObject({
      loc: ["body", "events", 0, "properties", "list"],
      type: "value_error.json.too_many_items",
    });

    const keys = Array.from({ length: 1001 }, (_, i) => `k${i}=1`).join("&");
    const wideForm = await post(`/collect/page-view/${HOOK}`, keys, "application/x-www-form-urlencoded");
    expect(wideForm.status).toBe(422);
    expect(wideForm.body.detail[0]).toMatchObject({ loc: ["body"], type: "value_error.json.too_many_keys" });

    const wideQuery = await request<Detail>(`${rt.publicUrl}/collect/page-view/${HOOK}?${keys}`, {
      headers: { "user-agent": BROWSER_UA },
    });
    expect(wideQuery.status).toBe(422);
    expect(wideQuery.body.detail[0]).toMatchObject({
      loc: ["query"],
      type: "value_error.json.too_many_keys",
    });
  });

  it("accepts a payload at the limits, and GET /api/v1/events keeps answering 200", async () => {
    const session = randomUUID();
    const events = Array.from({ length: 1000 }, () => ({ type: "bulk", properties: { n: 1 } }));
    const full = await rt.track({ source: { id: SOURCE }, session: { id: session }, events });
    expect(full.status).toBe(200);
    const deepButAllowed = await post("/track", trackJson(session, nestedObjects(60)));
    expect(deepButAllowed.status).toBe(200);
    await rt.drained();
    const listed = await rt.events("limit=20");
    expect(listed.status).toBe(200);
    expect((await rt.events(`session=${session}&type=page-view`)).body.total).toBe(1);
  });
});

describe("case 3: a request's failure never fails another request's commit", () => {
  it("answers concurrent /track requests with 200 while deep /collect bodies are refused", async () => {
    const deep = nestedObjects(150_000);
    const sessions = Array.from({ length: 40 }, () => randomUUID());
    const [tracked, refused] = await Promise.all([
      Promise.all(
        sessions.map((session) =>
          rt.track({ source: { id: SOURCE }, session: { id: session }, events: [{ type: "neighbour" }] }),
        ),
      ),
      Promise.all(Array.from({ length: 10 }, () => post(`/collect/page-view/${HOOK}`, deep))),
    ]);
    expect(tracked.map((r) => r.status)).toEqual(sessions.map(() => 200));
    expect(refused.map((r) => r.status)).toEqual(refused.map(() => 422));
    await rt.drained();
    await eventually(async () => {
      expect((await rt.events("type=neighbour&limit=100")).body.total).toBe(sessions.length);
    });
  });
});
