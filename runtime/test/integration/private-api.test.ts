import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RuntimeProcess, request } from "../harness.js";

// The private API: authentication, configuration CRUD, reads with paging, OpenAPI, metrics.
let rt: RuntimeProcess;

beforeAll(async () => {
  rt = await RuntimeProcess.start();
});
afterAll(async () => rt?.stop());

describe("authentication", () => {
  it("refuses requests without or with a wrong bearer token", async () => {
    const none = await rt.admin<{ detail: string }>("GET", "/api/v1/event-sources", undefined, null);
    expect(none.status).toBe(401);
    expect(none.body.detail).toMatch(/Missing bearer token/);
    expect(none.headers.get("www-authenticate")).toMatch(/Bearer/);
    const wrong = await rt.admin("GET", "/api/v1/profiles", undefined, "wrong");
    expect(wrong.status).toBe(401);
    const write = await rt.admin("POST", "/api/v1/event-sources", { name: "x", type: "rest" }, null);
    expect(write.status).toBe(401);
    expect((await rt.admin("GET", "/api/v1/event-sources")).status).toBe(200);
  });

  it("leaves health, metrics and the OpenAPI document open", async () => {
    expect((await request(`${rt.privateUrl}/healthz`, {})).status).toBe(200);
    const docs = await request<{ openapi: string; paths: Record<string, unknown> }>(
      `${rt.privateUrl}/docs`,
      {},
    );
    expect(docs.status).toBe(200);
    expect(docs.body.openapi).toMatch(/^3\./);
    expect(Object.keys(docs.body.paths)).toEqual(
      expect.arrayContaining(["/api/v1/event-sources", "/api/v1/profiles/{id}", "/api/v1/events"]),
    );
  });
});

describe("event sources", () => {
  it("creates, reads, updates, lists and deletes", async () => {
    const created = await rt.admin<{ id: string; type: string[]; enabled: boolean }>(
      "POST",
      "/api/v1/event-sources",
      {
        id: " My-App ",
        name: "App",
        type: "rest",
      },
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: "my-app", type: ["rest"], enabled: true });
    const updated = await rt.admin("PUT", "/api/v1/event-sources/my-app", {
      name: "App",
      type: ["rest", "webhook"],
      enabled: false,
    });
    expect(updated.body).toMatchObject({ id: "my-app", type: ["rest", "webhook"], enabled: false });
    // The change applies to collection at once (this process's source cache is refreshed).
    const tracked = await rt.track({ source: { id: "my-app" }, events: [{ type: "x" }] });
    expect(tracked.status).toBe(401);
    const list = await rt.admin<{ items: { id: string }[] }>("GET", "/api/v1/event-sources");
    expect(list.body.items.map((s) => s.id)).toContain("my-app");
    expect((await rt.admin("DELETE", "/api/v1/event-sources/my-app")).status).toBe(204);
    expect((await rt.admin("GET", "/api/v1/event-sources/my-app")).status).toBe(404);
    expect((await rt.admin("DELETE", "/api/v1/event-sources/my-app")).status).toBe(404);
  });

  it("validates the body with 422 naming the field", async () => {
    const res = await rt.admin<{ detail: { loc: unknown[] }[] }>("POST", "/api/v1/event-sources", {
      name: "x",
      type: "kafka",
    });
    expect(res.status).toBe(422);
    expect(res.body.detail.some((d) => JSON.stringify(d.loc).includes("type"))).toBe(true);
    const internal = await rt.admin("POST", "/api/v1/event-sources", {
      id: "@internal",
      name: "x",
      type: "rest",
    });
    expect(internal.status).toBe(422);
  });
});

describe("profiles, events and sessions", () => {
  it("reads a profile, searches profiles and pages through its events with a total", async () => {
    await rt.createSource("paging");
    const session = randomUUID();
    const email = `${randomUUID()}@example.com`;
    const first = await rt.track({
      source: { id: "paging" },
      session: { id: session },
      events: [{ type: "sign-in", properties: { email: { main: email } } }],
    });
    const profileId = first.body.profile?.id as string;
    for (let i = 0; i < 3; i++) {
      await rt.track({
        source: { id: "paging" },
        session: { id: session },
        events: Array.from({ length: 5 }, (_, n) => ({ type: "page-view", properties: { n: i * 5 + n } })),
      });
    }
    await rt.drained();

    const found = await rt.admin<{ total: number; items: { id: string }[] }>(
      "GET",
      `/api/v1/profiles?field=data.contact.email.main&value=${encodeURIComponent(email)}`,
    );
    expect(found.body.total).toBe(1);
    expect(found.body.items[0]?.id).toBe(profileId);

    const all = await rt.events(`profile=${profileId}&limit=100`);
    expect(all.body.total).toBe(19); // 1 sign-in + 15 page views + 3 system events
    const views = await rt.events(`profile=${profileId}&type=page-view&limit=4&offset=12`);
    expect(views.body).toMatchObject({ total: 15, limit: 4, offset: 12 });
    expect(views.body.items).toHaveLength(3);
    const pageA = await rt.events(`profile=${profileId}&type=page-view&limit=8`);
    const pageB = await rt.events(`profile=${profileId}&type=page-view&limit=8&offset=8`);
    const seen = new Set([...pageA.body.items, ...pageB.body.items].map((e) => e.id));
    expect(seen.size).toBe(15);

    const sessions = await rt.admin<{ total: number; items: { id: string }[] }>(
      "GET",
      `/api/v1/sessions?profile=${profileId}`,
    );
    expect(sessions.body.total).toBe(1);
    expect(sessions.body.items[0]?.id).toBe(session);
  });

  it("rejects bad paging and search parameters with 422", async () => {
    expect((await rt.admin("GET", "/api/v1/events?limit=0")).status).toBe(422);
    expect((await rt.admin("GET", "/api/v1/events?offset=-1")).status).toBe(422);
    expect((await rt.admin("GET", "/api/v1/profiles?field=a..b&value=1")).status).toBe(422);
    expect((await rt.admin("GET", "/api/v1/profiles?field=a")).status).toBe(422);
    expect((await rt.admin("GET", `/api/v1/profiles/${randomUUID()}`)).status).toBe(404);
    expect((await rt.admin("GET", "/api/v1/events?from=yesterday")).status).toBe(422);
  });

  it("filters events by insert time (from inclusive, to exclusive)", async () => {
    await rt.createSource("timed");
    const session = randomUUID();
    const at = (minute: number) => `2026-01-05T10:0${minute}:00.000Z`;
    const sent = await rt.track({
      source: { id: "timed" },
      session: { id: session },
      events: [1, 2, 3].map((minute) => ({ type: "timed", time: { insert: at(minute) } })),
    });
    expect(sent.status).toBe(200);
    await rt.drained();
    const between = await rt.events(`session=${session}&type=timed&from=${at(2)}&to=${at(3)}`);
    expect(
      between.body.items.map((e) => (e.metadata as unknown as { time: { insert: string } }).time.insert),
    ).toEqual([at(2)]);
    // Offsets are normalised to UTC before comparing.
    const fromOffset = await rt.events(`session=${session}&type=timed&from=2026-01-05T11:02:00%2B01:00`);
    expect(fromOffset.body.total).toBe(2);
  });
});

describe("observability", () => {
  it("exposes Prometheus metrics with accepted payloads and queue backlog", async () => {
    await rt.createSource("metrics");
    await rt.track({ source: { id: "metrics" }, events: [{ type: "a" }, { type: "b" }] });
    await rt.drained();
    const metrics = await request<string>(`${rt.publicUrl}/metrics`, {});
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(/tracardi_payloads_accepted_total [1-9]/);
    expect(metrics.body).toMatch(/tracardi_queue_backlog\{topic="collector"\} 0/);
    expect(metrics.body).toMatch(/tracardi_events_stored_total [1-9]/);
  });

  it("reports stages, backlog and workflow state on /api/v1/status", async () => {
    const status = await rt.admin<{ stages: string[]; queue: { backlog: Record<string, number> } }>(
      "GET",
      "/api/v1/status",
    );
    expect(status.body.stages).toEqual(expect.arrayContaining(["collector", "storage"]));
    expect(status.body.queue.backlog).toHaveProperty("collector");
  });
});
