import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RuntimeProcess } from "../harness.js";
import { MergeRig } from "../merge-rig.js";

// Issue 11 items 2 and 3 over HTTP: counters as Tracardi counts them, and the merge safety rails.
// runtime/test/infra/merge-distributed.test.ts runs the merge cases on the production topology.
let rt: RuntimeProcess;
let rig: MergeRig;

beforeAll(async () => {
  rt = await RuntimeProcess.start({
    TRACARDI_MERGE_INTERVAL_MS: "0",
    TRACARDI_AUTO_PROFILE_MERGING: "a-salt-of-twenty-chars-or-more",
  });
  rig = new MergeRig(rt, rt, `${rt.publicUrl}/metrics`);
  await rig.setUp();
});
afterAll(async () => rt?.stop());

const profileOf = (id: string) => rig.profileOf(id);

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

const identify = (properties: Record<string, unknown>, profile?: string) => rig.identify(properties, profile);

describe("merge safety rails", () => {
  for (const placeholder of ["undefined", "null", "0", "anonymous", " Undefined "]) {
    it(`keeps two visitors identifying with e-mail and identifier.id ${JSON.stringify(placeholder)} apart`, async () => {
      await rig.expectPlaceholderKeepsApart(placeholder);
    });
  }

  it("does not merge two identified users sharing an e-mail, flags both and counts the skip", async () => {
    const email = `${randomUUID()}@shared.test`;
    const before = await rig.skippedMetric("identifier_conflict");
    const first = await identify({ email: { main: email }, id: `user-${randomUUID()}` });
    const second = await identify({ email: { main: email }, id: `user-${randomUUID()}` });
    await rig.mergePass();

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
    expect(await rig.skippedMetric("identifier_conflict")).toBe(before + 2);

    // A forced merge joins them; the earliest keeps its id and its identifier.id.
    await rig.forceMerge([second, first]);
    const merged = await profileOf(second);
    expect(merged.id).toBe(first);
    expect(merged.data.identifier?.id).toBe(a.data.identifier?.id);
    expect(merged.ids).toEqual(expect.arrayContaining([first, second]));
  });

  it("merges an anonymous visitor into the identified user sharing the e-mail", async () => {
    const email = `${randomUUID()}@shared.test`;
    const user = await identify({ email: { main: email }, id: `user-${randomUUID()}` });
    const anon = await identify({ email: { main: email } });
    await rig.mergePass();
    expect((await profileOf(anon)).id).toBe(user);
  });

  it("drops the old e-mail's merge id when the e-mail changes, so a later login with it merges nothing", async () => {
    await rig.expectChangedEmailMergesNothing();
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
