import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RuntimeProcess, request } from "../harness.js";

// Issue 11 items 2 and 3 over HTTP: counters as Tracardi counts them, and the merge safety rails.
let rt: RuntimeProcess;

interface ProfileDoc {
  id: string;
  ids: string[];
  stats: { visits: number; views: number };
  data: { identifier?: { id?: string }; contact?: { email?: { main?: string } } };
  metadata: {
    time: { visit: { count: number } };
    system: {
      aux: {
        auto_merge: string[];
        merge_skipped?: { reason: string; profiles: string[]; merge_ids: string[]; at: string }[];
      };
    };
  };
}

const edge = (source: string, target: string) => ({
  source,
  sourcePort: "payload",
  target,
  targetPort: "payload",
});

beforeAll(async () => {
  rt = await RuntimeProcess.start({
    TRACARDI_MERGE_INTERVAL_MS: "0",
    TRACARDI_AUTO_PROFILE_MERGING: "a-salt-of-twenty-chars-or-more",
  });
  await rt.createSource("web");
  const flow = await rt.admin<{ id: string }>("POST", "/api/v1/flows", {
    name: "count visits and views",
    nodes: [
      { id: "start", type: "start" },
      { id: "visits", type: "increase-visits" },
      { id: "views", type: "increase-views" },
    ],
    edges: [edge("start", "visits"), edge("visits", "views")],
  });
  expect(flow.status).toBe(201);
  const rule = await rt.admin("POST", "/api/v1/rules", {
    name: "count",
    source: { id: "web" },
    event_type: { id: "count-me" },
    flow: { id: flow.body.id },
    enabled: true,
  });
  expect(rule.status).toBe(201);
});
afterAll(async () => rt?.stop());

async function profileOf(id: string): Promise<ProfileDoc> {
  return (await rt.profile(id)).body as unknown as ProfileDoc;
}

const countMe = (n: number) => Array.from({ length: n }, () => ({ type: "count-me" }));

describe("counters as in Tracardi", () => {
  it("counts a new session in metadata.time.visit.count and increase-visits only in the payload that opened it", async () => {
    const session = randomUUID();
    const first = await rt.track({ source: { id: "web" }, session: { id: session }, events: countMe(3) });
    const profileId = first.body.profile?.id as string;
    await rt.track({ source: { id: "web" }, session: { id: session }, events: countMe(1) });
    await rt.drained();
    // Tracardi: session.is_new() holds for the whole request that created the session, so each of
    // the three flow runs of the first payload counts; the later payload of the session does not;
    // the session itself never counts in stats.visits. (This runtime used to give 5.)
    let profile = await profileOf(profileId);
    expect(profile.stats).toMatchObject({ visits: 3, views: 4 });
    expect(profile.metadata.time.visit.count).toBe(1);

    // A second session of the same profile: one more visit in each counter.
    await rt.track({
      source: { id: "web" },
      session: { id: randomUUID() },
      profile: { id: profileId },
      events: countMe(1),
    });
    await rt.drained();
    profile = await profileOf(profileId);
    expect(profile.stats).toMatchObject({ visits: 4, views: 5 });
    expect(profile.metadata.time.visit.count).toBe(2);
  });

  it("counts one visit for a session opened by a single increase-visits event, however many payloads follow", async () => {
    const session = randomUUID();
    const first = await rt.track({ source: { id: "web" }, session: { id: session }, events: countMe(1) });
    for (let i = 0; i < 3; i++) {
      await rt.track({ source: { id: "web" }, session: { id: session }, events: countMe(1) });
    }
    await rt.drained();
    const profile = await profileOf(first.body.profile?.id as string);
    expect(profile.stats).toMatchObject({ visits: 1, views: 4 });
    expect(profile.metadata.time.visit.count).toBe(1);
  });

  it("does not count without a workflow: a new session alone leaves stats.visits at 0", async () => {
    const res = await rt.track({
      source: { id: "web" },
      session: { id: randomUUID() },
      events: [{ type: "page-view" }],
    });
    await rt.drained();
    const profile = await profileOf(res.body.profile?.id as string);
    expect(profile.stats.visits).toBe(0);
    expect(profile.metadata.time.visit.count).toBe(1);
  });

  it("runs the counting flow for profile-less events without an error and without a profile", async () => {
    const res = await rt.track(
      { source: { id: "web" }, session: { id: randomUUID() }, events: countMe(1) },
      { query: "?profile_less=true" },
    );
    expect(res.status).toBe(200);
    expect(res.body.profile).toBeNull();
    await rt.drained();
    const events = await rt.events(`session=${res.body.session.id}&limit=10`);
    const event = events.body.items.find((e) => e.type === "count-me");
    expect(event?.metadata.messages).toEqual([]);
  });
});

/** One visitor identifying in a new session; returns the profile id. */
async function identify(properties: Record<string, unknown>, profile?: string): Promise<string> {
  const res = await rt.track({
    source: { id: "web" },
    session: { id: randomUUID() },
    ...(profile ? { profile: { id: profile } } : {}),
    events: [{ type: "identification", properties }],
  });
  expect(res.status).toBe(200);
  return res.body.profile?.id as string;
}

async function mergePass(): Promise<void> {
  await rt.drained();
  const pass = await rt.admin("POST", "/api/v1/merge");
  expect(pass.status).toBe(200);
  await rt.drained();
}

async function skippedMetric(reason: string): Promise<number> {
  const text = (await request<string>(`${rt.publicUrl}/metrics`, {})).body;
  const line = String(text)
    .split("\n")
    .find((l) => l.startsWith(`tracardi_merges_skipped_total{reason="${reason}"}`));
  return line === undefined ? 0 : Number(line.split(" ").pop());
}

describe("merge safety rails", () => {
  for (const placeholder of ["undefined", "null", "0", "anonymous", " Undefined "]) {
    it(`keeps two visitors identifying with e-mail and identifier.id ${JSON.stringify(placeholder)} apart`, async () => {
      const a = await identify({ email: { main: placeholder }, id: placeholder });
      const b = await identify({ email: { main: placeholder }, id: placeholder });
      expect(a).not.toBe(b);
      await mergePass();
      for (const id of [a, b]) {
        const profile = await profileOf(id);
        expect(profile.id).toBe(id);
        expect(profile.ids).toEqual([id]);
        expect(profile.data.contact?.email?.main).toBe(placeholder);
      }
    });
  }

  it("does not merge two identified users sharing an e-mail, flags both and counts the skip", async () => {
    const email = `${randomUUID()}@shared.test`;
    const before = await skippedMetric("identifier_conflict");
    const first = await identify({ email: { main: email }, id: `user-${randomUUID()}` });
    const second = await identify({ email: { main: email }, id: `user-${randomUUID()}` });
    await mergePass();

    const a = await profileOf(first);
    const b = await profileOf(second);
    expect(a.id).toBe(first);
    expect(b.id).toBe(second);
    expect(a.data.identifier?.id).not.toBe(b.data.identifier?.id);
    expect(a.metadata.system.aux.merge_skipped).toEqual([
      expect.objectContaining({ reason: "identifier_conflict", profiles: [second] }),
    ]);
    expect(b.metadata.system.aux.merge_skipped).toEqual([
      expect.objectContaining({ reason: "identifier_conflict", profiles: [first] }),
    ]);
    expect(a.metadata.system.aux.auto_merge).toEqual([]);
    expect(await skippedMetric("identifier_conflict")).toBe(before + 2);

    // A forced merge joins them; the earliest keeps its id and its identifier.id.
    const forced = await rt.admin("POST", "/api/v1/merge", { profiles: [second, first] });
    expect(forced.status).toBe(200);
    await rt.drained();
    const merged = await profileOf(second);
    expect(merged.id).toBe(first);
    expect(merged.data.identifier?.id).toBe(a.data.identifier?.id);
    expect(merged.ids).toEqual(expect.arrayContaining([first, second]));
  });

  it("merges an anonymous visitor into the identified user sharing the e-mail", async () => {
    const email = `${randomUUID()}@shared.test`;
    const user = await identify({ email: { main: email }, id: `user-${randomUUID()}` });
    const anon = await identify({ email: { main: email } });
    await mergePass();
    expect((await profileOf(anon)).id).toBe(user);
  });

  it("drops the old e-mail's merge id when the e-mail changes, so a later login with it merges nothing", async () => {
    const oldEmail = `${randomUUID()}@old.test`;
    const person = await identify({ email: { main: oldEmail } });
    await mergePass();
    const oldIds = (await profileOf(person)).ids.filter((id) => id.startsWith("emm-"));
    expect(oldIds).toHaveLength(1);

    await identify({ email: { main: `${randomUUID()}@new.test` } }, person);
    await rt.drained();
    const changed = await profileOf(person);
    expect(changed.ids).not.toContain(oldIds[0]);
    expect(changed.ids.filter((id) => id.startsWith("emm-"))).toHaveLength(1);

    const stranger = await identify({ email: { main: oldEmail } });
    await mergePass();
    expect((await profileOf(stranger)).id).toBe(stranger);
    expect((await profileOf(person)).id).toBe(person);
  });

  it("refuses a forced merge naming fewer than two profiles or an unknown one", async () => {
    const one = await identify({ email: { main: `${randomUUID()}@x.test` } });
    await rt.drained();
    const short = await rt.admin<{ detail: { loc: unknown[] }[] }>("POST", "/api/v1/merge", {
      profiles: [one],
    });
    expect(short.status).toBe(422);
    expect(short.body.detail[0]?.loc).toEqual(["body", "profiles"]);
    const unknown = await rt.admin<{ detail: { loc: unknown[] }[] }>("POST", "/api/v1/merge", {
      profiles: [one, "no-such-profile"],
    });
    expect(unknown.status).toBe(422);
    expect(unknown.body.detail[0]?.loc).toEqual(["body", "profiles", 1]);
  });
});
