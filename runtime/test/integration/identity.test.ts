import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RuntimeProcess } from "../harness.js";

// The identity contract of tracardi.md §1.7 and the system events of §4 step 12, over HTTP.
let rt: RuntimeProcess;
const SOURCE = "identity-site";

beforeAll(async () => {
  rt = await RuntimeProcess.start();
  await rt.createSource(SOURCE);
  await rt.createSource("static-site", { config: { static_profile_id: true } });
});
afterAll(async () => rt?.stop());

const track = (extra: Record<string, unknown>, types = ["page-view"]) =>
  rt.track({ source: { id: SOURCE }, events: types.map((type) => ({ type })), ...extra });

async function typesOf(profileId: string): Promise<string[]> {
  const events = await rt.events(`profile=${profileId}&limit=100`);
  return events.body.items.map((e) => e.type).sort();
}

describe("identity rules", () => {
  it("creates a profile and a session for a first visit, with the three system events", async () => {
    const session = randomUUID();
    const res = await track({ session: { id: session } });
    expect(res.status).toBe(200);
    expect(res.body.session.id).toBe(session);
    const profileId = res.body.profile?.id as string;
    expect(profileId).toMatch(/^[0-9a-f-]{36}$/);
    await rt.drained();
    expect(await typesOf(profileId)).toEqual([
      "page-view",
      "profile-created",
      "session-opened",
      "visit-started",
    ]);
    const profile = await rt.profile(profileId);
    // A new session counts in metadata.time.visit.count; stats.visits is only for increase-visits nodes.
    expect(profile.body).toMatchObject({
      id: profileId,
      stats: { visits: 0 },
      metadata: { time: { visit: { count: 1 } } },
    });
    const stored = await rt.admin<{ profile: { id: string } }>("GET", `/api/v1/sessions/${session}`);
    expect(stored.body.profile.id).toBe(profileId);
  });

  it("replaces an unknown (forged) profile id with a new one", async () => {
    const forged = randomUUID();
    const res = await track({ session: { id: randomUUID() }, profile: { id: forged } });
    expect(res.body.profile?.id).not.toBe(forged);
    await rt.drained();
    expect((await rt.profile(forged)).status).toBe(404);
  });

  it("keeps a known profile on a new session: a second visit, no profile-created", async () => {
    const first = await track({ session: { id: randomUUID() } });
    const profileId = first.body.profile?.id as string;
    const second = await track({ session: { id: randomUUID() }, profile: { id: profileId } });
    expect(second.body.profile?.id).toBe(profileId);
    await rt.drained();
    const types = await typesOf(profileId);
    expect(types.filter((t) => t === "profile-created")).toHaveLength(1);
    expect(types.filter((t) => t === "session-opened")).toHaveLength(2);
    expect((await rt.profile(profileId)).body).toMatchObject({
      stats: { visits: 0 },
      metadata: { time: { visit: { count: 2 } } },
    });
  });

  it("lets an existing session's profile win over the payload's profile id", async () => {
    const session = randomUUID();
    const a = await track({ session: { id: session } });
    const b = await track({ session: { id: randomUUID() } });
    const again = await track({ session: { id: session }, profile: { id: b.body.profile?.id } });
    expect(again.body.profile?.id).toBe(a.body.profile?.id);
    await rt.drained();
    // Same session again: no new visit, no session-opened.
    expect((await rt.profile(a.body.profile?.id as string)).body).toMatchObject({
      metadata: { time: { visit: { count: 1 } } },
    });
  });

  it("gives one new session one profile however many requests race for it", async () => {
    const session = randomUUID();
    const results = await Promise.all(Array.from({ length: 20 }, () => track({ session: { id: session } })));
    const ids = new Set(results.map((r) => r.body.profile?.id));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(ids.size).toBe(1);
    await rt.drained();
    const id = [...ids][0] as string;
    expect((await rt.profile(id)).body).toMatchObject({ metadata: { time: { visit: { count: 1 } } } });
    const types = await typesOf(id);
    expect(types.filter((t) => t === "page-view")).toHaveLength(20);
    expect(types.filter((t) => t === "session-opened")).toHaveLength(1);
  });

  it("without a session id, uses a known profile without storing a session or counting a visit", async () => {
    const first = await track({ session: { id: randomUUID() } });
    const profileId = first.body.profile?.id as string;
    const res = await track({ profile: { id: profileId } });
    expect(res.body.profile?.id).toBe(profileId);
    await rt.drained();
    expect((await rt.admin("GET", `/api/v1/sessions/${res.body.session.id}`)).status).toBe(404);
    expect((await rt.profile(profileId)).body).toMatchObject({ metadata: { time: { visit: { count: 1 } } } });
  });

  it("without a session id or a known profile, creates both and stores the session", async () => {
    const res = await track({});
    const profileId = res.body.profile?.id as string;
    await rt.drained();
    expect((await rt.admin("GET", `/api/v1/sessions/${res.body.session.id}`)).status).toBe(200);
    expect(await typesOf(profileId)).toContain("profile-created");
  });

  it("handles profile-less payloads without creating a profile", async () => {
    const viaBody = await track({ session: { id: randomUUID() }, profile_less: true });
    expect(viaBody.status).toBe(200);
    expect(viaBody.body.profile).toBeNull();
    const viaQuery = await rt.track(
      { source: { id: SOURCE }, session: { id: randomUUID() }, events: [{ type: "page-view" }] },
      { query: "?profile_less=true" },
    );
    expect(viaQuery.body.profile).toBeNull();
    await rt.drained();
    const events = await rt.events(`session=${viaBody.body.session.id}`);
    expect(events.body.items.map((e) => e.type)).toEqual(["page-view"]);
    expect(events.body.items[0]?.profile).toBeNull();
  });

  it("emits no system events when the payload ends the visit", async () => {
    const res = await track({ session: { id: randomUUID() } }, ["visit-ended"]);
    await rt.drained();
    expect(await typesOf(res.body.profile?.id as string)).toEqual(["visit-ended"]);
  });

  it("starts a new visit when an ended session comes back", async () => {
    const session = randomUUID();
    const first = await track({ session: { id: session } }, ["visit-ended"]);
    await rt.drained();
    await track({ session: { id: session } });
    await rt.drained();
    const types = await typesOf(first.body.profile?.id as string);
    expect(types.filter((t) => t === "visit-started")).toHaveLength(1);
  });

  it("trusts the profile id of a source configured with static_profile_id", async () => {
    const id = `crm-${randomUUID()}`;
    const res = await rt.track({
      source: { id: "static-site" },
      profile: { id },
      session: { id: randomUUID() },
      events: [{ type: "page-view" }],
    });
    expect(res.body.profile?.id).toBe(id);
    await rt.drained();
    expect((await rt.profile(id)).status).toBe(200);
  });

  it("answers an empty event list with null and stores nothing", async () => {
    const session = randomUUID();
    const res = await rt.track({ source: { id: SOURCE }, session: { id: session }, events: [] });
    expect(res.status).toBe(200);
    expect(res.body).toBeNull();
  });
});
