import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RuntimeProcess, request } from "../harness.js";

// Every client mistake gets a 4xx with a reason and CORS headers; a full queue gets 503.
let rt: RuntimeProcess;

beforeAll(async () => {
  rt = await RuntimeProcess.start({ TRACARDI_BODY_LIMIT: "4096", TRACARDI_MAX_EVENTS_PER_PAYLOAD: "5" });
  await rt.createSource("ok-site");
  await rt.createSource("off-site", { enabled: false });
  await rt.createSource("hook-site", { type: "webhook" });
});
afterAll(async () => rt?.stop());

const page = (source: string) => ({
  source: { id: source },
  session: { id: randomUUID() },
  events: [{ type: "page-view" }],
});
const withOrigin = { origin: "https://shop.example" };

interface Detail {
  detail: string | { loc: (string | number)[]; msg: string }[];
}

describe("collection errors", () => {
  it("rejects an unknown source with 401 and a reason", async () => {
    const res = await rt.track<Detail>(page("no-such-source"), { headers: withOrigin });
    expect(res.status).toBe(401);
    expect(res.body.detail).toContain("no-such-source");
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
  });

  it("rejects a disabled source, a webhook-only source and an internal source id", async () => {
    expect((await rt.track<Detail>(page("off-site"))).body.detail).toMatch(/disabled/);
    const wrongBridge = await rt.track<Detail>(page("hook-site"));
    expect(wrongBridge.status).toBe(401);
    expect(wrongBridge.body.detail).toMatch(/webhook.*not rest/);
    const internal = await rt.track<Detail>(page("@internal-x"));
    expect(internal.status).toBe(401);
    expect(internal.body.detail).toMatch(/Internal event sources/);
  });

  it("rejects crawler traffic but not server-side HTTP clients", async () => {
    const bot = await rt.track<Detail>(page("ok-site"), {
      headers: { "user-agent": "Googlebot/2.1 (+http://www.google.com/bot.html)" },
    });
    expect(bot.status).toBe(401);
    expect(bot.body.detail).toMatch(/bot/);
    expect((await rt.track(page("ok-site"), { headers: { "user-agent": "curl/8.5.0" } })).status).toBe(200);
  });

  it("names the missing or bad field with 422", async () => {
    const missing = await rt.track<Detail>({ events: [{ type: "page-view" }] }, { headers: withOrigin });
    expect(missing.status).toBe(422);
    expect(missing.body.detail).toEqual([
      expect.objectContaining({ loc: ["body", "source"], msg: "field required" }),
    ]);
    expect(missing.headers.get("access-control-allow-origin")).toBe("*");

    const emptyType = await rt.track<Detail>({ source: { id: "ok-site" }, events: [{ type: "  " }] });
    expect(emptyType.status).toBe(422);
    expect(emptyType.body.detail).toEqual([
      expect.objectContaining({ loc: ["body", "events", 0, "type"], msg: "Event type can not be empty" }),
    ]);

    const badType = await rt.track<Detail>({
      source: { id: "ok-site" },
      events: [{ type: "x", properties: [1] }],
    });
    expect(badType.status).toBe(422);
    expect(badType.body.detail).toEqual([
      expect.objectContaining({ loc: ["body", "events", 0, "properties"] }),
    ]);
  });

  it("rejects a body that is not JSON with 422", async () => {
    const res = await rt.track<Detail>("{not json", { headers: withOrigin });
    expect(res.status).toBe(422);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
  });

  it("rejects too many events in one payload with 422", async () => {
    const events = Array.from({ length: 6 }, () => ({ type: "page-view" }));
    const res = await rt.track<Detail>({ source: { id: "ok-site" }, events });
    expect(res.status).toBe(422);
    expect(JSON.stringify(res.body.detail)).toMatch(/too many events.*at most 5/);
  });

  it("rejects a body over the limit with 413, CORS headers included", async () => {
    const res = await rt.track<Detail>(
      { source: { id: "ok-site" }, events: [{ type: "page-view", properties: { blob: "x".repeat(5000) } }] },
      { headers: withOrigin },
    );
    expect(res.status).toBe(413);
    expect(res.body.detail).toMatch(/larger than the limit of 4096 bytes/);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
  });

  it("answers CORS preflight and unknown routes", async () => {
    const preflight = await request(`${rt.publicUrl}/track`, {
      method: "OPTIONS",
      headers: {
        origin: "https://shop.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
      },
    });
    expect(preflight.status).toBe(204);
    // Its own origin, with credentials, as Tracardi answers (a beacon's preflight needs it).
    expect(preflight.headers.get("access-control-allow-origin")).toBe("https://shop.example");
    expect(preflight.headers.get("access-control-allow-credentials")).toBe("true");
    const missing = await request<Detail>(`${rt.publicUrl}/nope`, { headers: withOrigin });
    expect(missing.status).toBe(404);
    expect(missing.headers.get("access-control-allow-origin")).toBe("*");
  });

  it("stores nothing for rejected payloads", async () => {
    const session = randomUUID();
    await rt.track({ ...page("off-site"), session: { id: session } });
    await rt.drained();
    expect((await rt.events(`session=${session}`)).body.total).toBe(0);
  });
});

describe("a queue that cannot accept", () => {
  let full: RuntimeProcess;
  beforeAll(async () => {
    full = await RuntimeProcess.start({ TRACARDI_MAX_BACKLOG: "0" });
    await full.createSource("ok-site");
  });
  afterAll(async () => full?.stop());

  it("answers 503 with Retry-After instead of accepting what it cannot keep", async () => {
    const res = await full.track<Detail>(page("ok-site"), { headers: withOrigin });
    expect(res.status).toBe(503);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(res.body.detail).toMatch(/full/);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    const ready = await request<{ status: string }>(`${full.publicUrl}/readyz`, {});
    expect(ready.status).toBe(503);
  });
});
