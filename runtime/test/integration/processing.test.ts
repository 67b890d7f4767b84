import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BROWSER_UA, RuntimeProcess, request } from "../harness.js";

// The collector stage: mappings, validation, session computation, serialised profile updates.
let rt: RuntimeProcess;
const SOURCE = "shop";
const IPHONE_UA =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";

beforeAll(async () => {
  rt = await RuntimeProcess.start();
  await rt.createSource(SOURCE);
  await rt.createSource("hooks", { type: "webhook" });
});
afterAll(async () => rt?.stop());

async function newProfile(): Promise<{ profileId: string; sessionId: string }> {
  const sessionId = randomUUID();
  const res = await rt.track({
    source: { id: SOURCE },
    session: { id: sessionId },
    events: [{ type: "page-view" }],
  });
  return { profileId: res.body.profile?.id as string, sessionId };
}

const send = (
  ids: { profileId: string; sessionId: string },
  events: unknown[],
  extra: Record<string, unknown> = {},
) =>
  rt.track({
    source: { id: SOURCE },
    profile: { id: ids.profileId },
    session: { id: ids.sessionId },
    events,
    ...extra,
  });

describe("built-in event-to-profile mappings", () => {
  it("copies identity data of sign-in and profile-update into the profile", async () => {
    const ids = await newProfile();
    await send(ids, [
      { type: "sign-in", properties: { email: { main: "ann@example.com" }, firstname: "Ann" } },
      {
        type: "profile-update",
        properties: { pii: { lastname: "Lee" }, contact: { address: { town: "Oslo" } } },
      },
      { type: "consent-update", properties: { consents: ["marketing"] } },
    ]);
    await rt.drained();
    const profile = await rt.profile(ids.profileId);
    expect(profile.body).toMatchObject({
      data: {
        contact: { email: { main: "ann@example.com" }, address: { town: "Oslo" } },
        pii: { firstname: "Ann", lastname: "Lee" },
      },
      consents: { marketing: { revoke: null } },
    });
    const signIn = (await rt.events(`profile=${ids.profileId}&type=sign-in`)).body.items[0];
    expect(signIn).toMatchObject({
      data: { contact: { email: { main: "ann@example.com" } } },
      journey: { state: "consideration" },
    });
  });

  it("counts checkouts and sums their value", async () => {
    const ids = await newProfile();
    await send(ids, [
      { type: "checkout-completed", properties: { value: 10.5 } },
      { type: "checkout-completed", properties: { value: 4.5 } },
    ]);
    await rt.drained();
    expect((await rt.profile(ids.profileId)).body).toMatchObject({
      data: { metrics: { ltcocc: 2, ltcocv: 15 } },
    });
  });
});

describe("custom event-to-profile mappings", () => {
  it("applies equals, equals-if-not-exists and append", async () => {
    const created = await rt.admin("POST", "/api/v1/event-to-profile-mappings", {
      event_type: "quiz-answered",
      event_to_profile: [
        { event: { value: "properties.color" }, op: "equals", profile: { value: "traits.color" } },
        {
          event: { value: "properties.first" },
          op: "equals-if-not-exists",
          profile: { value: "traits.first" },
        },
        { event: { value: "properties.tag" }, op: "append", profile: { value: "traits.tags" } },
      ],
    });
    expect(created.status).toBe(201);
    const ids = await newProfile();
    await send(ids, [{ type: "quiz-answered", properties: { color: "red", first: "a", tag: "x" } }]);
    await send(ids, [{ type: "quiz-answered", properties: { color: "blue", first: "b", tag: "y" } }]);
    await send(ids, [{ type: "quiz-answered", properties: { color: "blue", tag: "x" } }]);
    await rt.drained();
    const profile = await rt.profile(ids.profileId);
    expect(profile.body).toMatchObject({ traits: { color: "blue", first: "a", tags: ["x", "y"] } });
    expect(
      Object.keys((profile.body as unknown as { metadata: { fields: object } }).metadata.fields),
    ).toEqual(expect.arrayContaining(["traits.color", "traits.first", "traits.tags"]));
  });

  it("refuses a mapping that writes outside the profile's writable fields", async () => {
    const res = await rt.admin<{ detail: { loc: unknown[] }[] }>(
      "POST",
      "/api/v1/event-to-profile-mappings",
      {
        event_type: "x",
        event_to_profile: [{ event: { value: "properties.a" }, op: "equals", profile: { value: "id" } }],
      },
    );
    expect(res.status).toBe(422);
    expect(res.body.detail[0]?.loc).toEqual(["body", "event_to_profile", 0, "profile", "value"]);
  });
});

describe("per-event-type JSON-schema validation", () => {
  it("stores an invalid event flagged valid=false with the reason, and does not map it", async () => {
    const schema = await rt.admin("POST", "/api/v1/event-type-schemas", {
      event_type: "sign-up",
      schema: {
        type: "object",
        required: ["properties"],
        properties: {
          properties: { type: "object", required: ["email"], properties: { email: { type: "object" } } },
        },
      },
    });
    expect(schema.status).toBe(201);
    const ids = await newProfile();
    await send(ids, [{ type: "sign-up", properties: { firstname: "NoEmail" } }]);
    await send(ids, [
      { type: "sign-up", properties: { email: { main: "ok@example.com" }, firstname: "Ok" } },
    ]);
    await rt.drained();
    const events = (await rt.events(`profile=${ids.profileId}&type=sign-up`)).body.items;
    const invalid = events.find((e) => e.properties.firstname === "NoEmail");
    const valid = events.find((e) => e.properties.firstname === "Ok");
    expect(invalid?.metadata.valid).toBe(false);
    expect(invalid?.metadata.messages.join()).toMatch(/email/);
    expect(valid?.metadata.valid).toBe(true);
    expect((await rt.profile(ids.profileId)).body).toMatchObject({ data: { pii: { firstname: "Ok" } } });
  });

  it("lists exactly the invalid events with their reasons under ?valid=false, the others under ?valid=true", async () => {
    const schema = await rt.admin("POST", "/api/v1/event-type-schemas", {
      event_type: "order-placed",
      schema: {
        type: "object",
        required: ["properties"],
        properties: {
          properties: { type: "object", required: ["total"], properties: { total: { type: "number" } } },
        },
      },
    });
    expect(schema.status).toBe(201);
    const ids = await newProfile();
    await send(ids, [
      { type: "order-placed", properties: { total: 10, n: "ok-1" } },
      { type: "order-placed", properties: { total: "ten", n: "bad-type" } },
      { type: "order-placed", properties: { n: "bad-missing" } },
      { type: "order-placed", properties: { total: 12.5, n: "ok-2" } },
    ]);
    await rt.drained();
    interface Listed {
      total: number;
      items: { properties: { n?: string }; metadata: { valid: boolean; messages: string[] } }[];
    }
    const invalid = await rt.admin<Listed>("GET", `/api/v1/events?session=${ids.sessionId}&valid=false`);
    expect(invalid.status).toBe(200);
    expect(invalid.body.total).toBe(2);
    const reasons = Object.fromEntries(
      invalid.body.items.map((e) => [e.properties.n, e.metadata.messages.join()]),
    );
    expect(Object.keys(reasons).sort()).toEqual(["bad-missing", "bad-type"]);
    expect(reasons["bad-type"]).toMatch(/total.*number/);
    expect(reasons["bad-missing"]).toMatch(/total/);
    expect(invalid.body.items.every((e) => e.metadata.valid === false)).toBe(true);

    // System events of the session (e.g. its page-view) are valid too, so look at this type only.
    const valid = await rt.admin<Listed>(
      "GET",
      `/api/v1/events?session=${ids.sessionId}&type=order-placed&valid=true`,
    );
    expect(valid.body.items.map((e) => e.properties.n).sort()).toEqual(["ok-1", "ok-2"]);
    expect(valid.body.items.every((e) => e.metadata.valid && e.metadata.messages.length === 0)).toBe(true);

    const bad = await rt.admin<{ detail: { loc: string[] }[] }>("GET", "/api/v1/events?valid=maybe");
    expect(bad.status).toBe(422);
    expect(bad.body.detail[0]?.loc).toEqual(["query", "valid"]);
  });

  it("refuses a schema that is not a valid JSON schema", async () => {
    const res = await rt.admin<{ detail: { msg: string }[] }>("POST", "/api/v1/event-type-schemas", {
      event_type: "x",
      schema: { type: "no-such-type" },
    });
    expect(res.status).toBe(422);
    expect(res.body.detail[0]?.msg).toMatch(/invalid JSON schema/);
  });
});

describe("session computation", () => {
  it("derives device, OS, browser, screen and UTM from the first payload of a session", async () => {
    const session = randomUUID();
    await rt.track(
      {
        source: { id: SOURCE },
        session: { id: session },
        context: {
          browser: { local: { browser: { userAgent: IPHONE_UA, language: "en-GB" } } },
          screen: { local: { width: 390, height: 844, colorDepth: 24, orientation: "portrait-primary" } },
          utm: { source: "newsletter", campaign: "spring" },
          time: { tz: "Europe/Oslo" },
        },
        events: [{ type: "page-view" }],
      },
      { headers: { "user-agent": BROWSER_UA } },
    );
    await rt.drained();
    const stored = await rt.admin<Record<string, unknown>>("GET", `/api/v1/sessions/${session}`);
    expect(stored.body).toMatchObject({
      os: { name: "iOS" },
      device: { type: "mobile", resolution: "390x844", color_depth: 24 },
      app: { name: "Mobile Safari", language: "en-GB", bot: false },
      utm: { source: "newsletter", campaign: "spring" },
    });
    const profileId = (stored.body.profile as { id: string }).id;
    expect((await rt.profile(profileId)).body).toMatchObject({
      metadata: { time: { visit: { tz: "Europe/Oslo" } } },
    });
  });
});

describe("serialised profile updates", () => {
  it("loses no increment under 50 concurrent requests and many events in one payload", async () => {
    const ids = await newProfile();
    const checkout = { type: "checkout-completed", properties: { value: 1 } };
    const results = await Promise.all(Array.from({ length: 50 }, () => send(ids, [checkout])));
    expect(results.every((r) => r.status === 200)).toBe(true);
    await send(
      ids,
      Array.from({ length: 25 }, () => checkout),
    );
    await rt.drained();
    expect((await rt.profile(ids.profileId)).body).toMatchObject({
      data: { metrics: { ltcocc: 75, ltcocv: 75 } },
    });
  });
});

describe("webhook bridge", () => {
  it("turns a query string or a body into one event's properties", async () => {
    const session = randomUUID();
    const viaGet = await request<{ profile: { id: string } }>(
      `${rt.publicUrl}/collect/order-paid/hooks/${session}?amount=12&currency=EUR`,
      {
        headers: { "user-agent": BROWSER_UA },
      },
    );
    expect(viaGet.status).toBe(200);
    const viaForm = await request(`${rt.publicUrl}/collect/order-paid/hooks/${session}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "user-agent": BROWSER_UA },
      body: "amount=7&currency=USD",
    });
    expect(viaForm.status).toBe(200);
    const profileLess = await request<{ profile: null }>(`${rt.publicUrl}/collect/ping/hooks`, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": BROWSER_UA },
      body: JSON.stringify({ ok: true }),
    });
    expect(profileLess.status).toBe(200);
    expect(profileLess.body.profile).toBeNull();
    await rt.drained();
    const events = (await rt.events(`session=${session}&type=order-paid`)).body.items;
    expect(
      events.map((e) => e.properties).sort((a, b) => String(a.amount).localeCompare(String(b.amount))),
    ).toEqual([
      { amount: "12", currency: "EUR" },
      { amount: "7", currency: "USD" },
    ]);
    expect(events.every((e) => e.profile?.id === viaGet.body.profile.id)).toBe(true);
  });

  it("refuses /track traffic for a webhook source and /collect traffic for a REST source", async () => {
    const res = await request(`${rt.publicUrl}/collect/x/${SOURCE}`, {
      headers: { "user-agent": BROWSER_UA },
    });
    expect(res.status).toBe(401);
  });
});

describe("payloads as sent", () => {
  it("stores events sent as text/plain JSON (sendBeacon) with normalised types, given ids kept and new ids for the rest", async () => {
    const sessionId = randomUUID();
    const res = await rt.track(
      JSON.stringify({
        source: { id: ` ${SOURCE} ` },
        session: { id: sessionId },
        events: [{ type: "Product  Viewed", id: "client-event-1" }, { type: "page-view" }],
      }),
      { headers: { "content-type": "text/plain;charset=UTF-8" } },
    );
    expect(res.status).toBe(200);
    await rt.drained();
    const stored = await rt.events(`profile=${res.body.profile?.id}`);
    const clientEvents = stored.body.items.filter((e) => e.source.id === SOURCE);
    expect(clientEvents.map((e) => e.type).sort()).toEqual(["page-view", "product-viewed"]);
    expect(clientEvents.find((e) => e.type === "product-viewed")?.id).toBe("client-event-1");
    // A derived id, sorting with the task that made it (both UUIDv7s with the same time).
    expect(clientEvents.find((e) => e.type === "page-view")?.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    expect(clientEvents.find((e) => e.type === "page-view")?.id.slice(0, 13)).toBe(
      res.body.task?.slice(0, 13),
    );
  });

  it("refuses JSON that carries __proto__ keys", async () => {
    const res = await rt.track(
      `{"source":{"id":"${SOURCE}"},"events":[{"type":"x"}],"__proto__":{"polluted":1}}`,
    );
    expect(res.status).toBe(422);
  });
});
