import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, type RuntimeProcess } from "../harness.js";
import { MergeRig } from "../merge-rig.js";
import { Topology } from "./topology.js";

// Issue 11's merge reproductions (runtime/test/integration/merge-rails.test.ts) on the production
// topology: the public API, the private API, `worker collector` (where merges run, so it counts the
// skips), `worker background` and `worker apm` (a timed merge pass) as separate processes over
// Pulsar, MariaDB and OpenSearch. The apm worker may run a pass at any moment, so each test also
// runs one through the private API once its payloads are stored, and asserts only what holds
// whichever passes ran in between.
let topology: Topology;
let rig: MergeRig;
let privateApi: RuntimeProcess;

beforeAll(async () => {
  topology = await Topology.start("merge", {
    TRACARDI_AUTO_PROFILE_MERGING: "a-salt-of-twenty-chars-or-more",
    // Stored batches not refreshed: merges must refresh before they search (the default refreshes
    // every batch, which runtime-search.test.ts covers).
    TRACARDI_SEARCH_REFRESH: "false",
  });
  let publicApi: RuntimeProcess;
  let collector: RuntimeProcess;
  [privateApi, publicApi, collector] = await Promise.all([
    topology.launch(["api", "--role", "private"]),
    topology.launch(["api", "--role", "public"]),
    topology.launch(["worker", "collector"]),
    topology.launch(["worker", "background"]),
    topology.launch(["worker", "apm"], { TRACARDI_MERGE_INTERVAL_MS: "1000" }),
  ]);
  rig = new MergeRig(publicApi, privateApi, `${collector.healthUrl}/metrics`, "merge-site", 60_000);
  await rig.setUp();
}, 20 * 60_000);

afterAll(async () => topology?.close());

const countMe = (n: number, marker: string) =>
  Array.from({ length: n }, () => ({ type: "count-me", properties: { marker } }));

describe("merge safety rails over Pulsar, MariaDB and OpenSearch", () => {
  for (const placeholder of ["undefined", "0", "anonymous"]) {
    it(`keeps two visitors identifying with e-mail and identifier.id ${JSON.stringify(placeholder)} apart`, async () => {
      await rig.expectPlaceholderKeepsApart(placeholder);
    });
  }

  it("does not merge two identified users sharing an e-mail, flags and counts the skip, and merges them when forced", async () => {
    const email = `${randomUUID()}@shared.test`;
    const before = await rig.skippedMetric("identifier_conflict");
    const first = await rig.identify({ email: { main: email }, id: `user-${randomUUID()}` });
    const second = await rig.identify({ email: { main: email }, id: `user-${randomUUID()}` });
    await rig.mergePass();

    const a = await rig.profileOf(first);
    const b = await rig.profileOf(second);
    expect([a.id, b.id]).toEqual([first, second]);
    expect(a.data.identifier?.id).not.toBe(b.data.identifier?.id);
    expect([a.metadata.system.aux.auto_merge, b.metadata.system.aux.auto_merge]).toEqual([[], []]);
    // One pass over both marks flags both (as embedded); an apm pass between the two payloads has
    // already handled the first alone, with nothing to merge, so then only the second is flagged.
    // Either way each flag names the other, and each flag is counted once.
    const flags = [
      ...(a.metadata.system.aux.merge_skipped ?? []).map((skip) => ({ ...skip, on: first })),
      ...(b.metadata.system.aux.merge_skipped ?? []).map((skip) => ({ ...skip, on: second })),
    ];
    expect(b.metadata.system.aux.merge_skipped).toEqual([
      expect.objectContaining({ reason: "identifier_conflict", profiles: [first] }),
    ]);
    for (const flag of flags) {
      expect(flag).toMatchObject({
        reason: "identifier_conflict",
        profiles: [flag.on === first ? second : first],
      });
    }
    expect(await rig.skippedMetric("identifier_conflict")).toBe(before + flags.length);

    // A forced merge joins them; the earliest keeps its id and its identifier.id.
    await rig.forceMerge([second, first]);
    const merged = await rig.profileOf(second);
    expect(merged.id).toBe(first);
    expect(merged.data.identifier?.id).toBe(a.data.identifier?.id);
    expect(merged.ids).toEqual(expect.arrayContaining([first, second]));
  });

  it("merges an anonymous visitor into the identified user: its events move, its counters add up", async () => {
    const email = `${randomUUID()}@shared.test`;
    const [userMarker, anonMarker] = [`user-${randomUUID()}`, `anon-${randomUUID()}`];
    const userSession = randomUUID();
    const user = await rig.send(userSession, [
      { type: "identification", properties: { email: { main: email }, id: `user-${randomUUID()}` } },
      ...countMe(3, userMarker),
    ]);
    await rig.send(userSession, countMe(1, userMarker), user);
    const anonSession = randomUUID();
    const anon = await rig.send(anonSession, countMe(1, anonMarker));
    await rig.send(
      anonSession,
      [
        { type: "identification", properties: { email: { main: email }, marker: anonMarker } },
        ...countMe(1, anonMarker),
      ],
      anon,
    );
    expect(anon).not.toBe(user);

    // The apm worker's timed pass merges them without being asked.
    await eventually(async () => expect((await rig.profileOf(anon)).id).toBe(user), 60_000);
    await rig.drained();

    // merge-rails.test.ts counts the user's two payloads as visits 3, views 4 and one visit; the
    // anonymous visitor's as visits 1 (only its first payload opened a session), views 2 and one
    // visit. The survivor holds the sums.
    const merged = await rig.profileOf(user);
    expect(merged.stats).toMatchObject({ visits: 4, views: 6 });
    expect(merged.metadata.time.visit.count).toBe(2);
    expect(merged.ids).toEqual(expect.arrayContaining([user, anon]));

    const events = await eventually(async () => {
      const res = await privateApi.events(`profile=${user}&limit=100`);
      const markers = res.body.items.map((e) => e.properties.marker);
      expect(markers.filter((m) => m === anonMarker)).toHaveLength(3);
      return res.body.items;
    }, 30_000);
    expect(events.filter((e) => e.properties.marker === userMarker)).toHaveLength(4);
    for (const event of events) expect(event.profile?.id).toBe(user);
  });

  it("drops the old e-mail's merge id when the e-mail changes, so a later login with it merges nothing", async () => {
    await rig.expectChangedEmailMergesNothing();
  });
});
