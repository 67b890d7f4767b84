import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RuntimeProcess, sleep } from "../harness.js";
import {
  apply,
  identifying,
  initialState,
  type ModelEvent,
  type ModelState,
  mergePassOutcomes,
  type Operation,
  profileOf,
  unmergedSharing,
} from "../property/identity-model.js";
import { startCountingRuntime } from "../property/runtime.js";

// Issue 11's property test: random sequences of identify/track/merge operations of a few visitors,
// run over HTTP against the standalone runtime and compared with the reference model
// (runtime/test/property/identity-model.ts). After each merge pass the visitors are in one of the
// partitions the model allows, and no profiles holding different identifier.ids were joined; at the
// end every client event is stored in its visitor's profile and nowhere else, and the counters, the
// e-mail and the identifier.id of every profile are the model's. A fixed seed and a random one
// (PROPERTY_SEED replays it); failures are shrunk for at most SHRINK_SECONDS.
const FIXED_SEED = 20_251_111;
const RUNS = Number(process.env.PROPERTY_RUNS ?? 60);
const SHRINK_SECONDS = Number(process.env.PROPERTY_SHRINK_SECONDS ?? 40);
const VISITORS = 4;

/** Pool names; real ones get the run's suffix on the wire so runs never meet. */
const EMAILS = ["ann", "bob", "cat", "undefined", " Undefined ", "0", "anonymous", "", "test@test.com"];
const IDS = ["u-1", "u-2", "undefined", "0", "anonymous"];

const event: fc.Arbitrary<ModelEvent> = fc.oneof(
  { weight: 2, arbitrary: fc.constant<ModelEvent>({ kind: "page-view" }) },
  {
    weight: 3,
    arbitrary: fc
      .record({ email: fc.constantFrom(...EMAILS), id: fc.constantFrom(...IDS) }, { requiredKeys: [] })
      .map((fields): ModelEvent => ({ kind: "identify", ...fields })),
  },
  { weight: 2, arbitrary: fc.constant<ModelEvent>({ kind: "view-me" }) },
  { weight: 2, arbitrary: fc.constant<ModelEvent>({ kind: "visit-me" }) },
);
const visitor = fc.nat({ max: VISITORS - 1 });
const operation: fc.Arbitrary<Operation> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("track" as const),
      visitor,
      newSession: fc.boolean(),
      events: fc.array(event, { minLength: 1, maxLength: 3 }),
    }),
  },
  { weight: 2, arbitrary: fc.constant<Operation>({ kind: "merge-pass" }) },
  {
    weight: 1,
    arbitrary: fc
      .uniqueArray(visitor, { minLength: 2, maxLength: 3 })
      .map((visitors): Operation => ({ kind: "force-merge", visitors })),
  },
);
// Every sequence ends with a merge pass, so what it identified is merged before the checks.
const sequence = fc
  .array(operation, { minLength: 1, maxLength: 16 })
  .map((ops): Operation[] => [...ops, { kind: "merge-pass" }]);

interface ProfileDoc {
  id: string;
  stats: { views: number; visits: number };
  data: { identifier?: { id?: string }; contact?: { email?: { main?: string } } };
  metadata: { time: { visit: { count: number } } };
}

let rt: RuntimeProcess;
beforeAll(async () => {
  rt = await startCountingRuntime();
});
afterAll(async () => rt?.stop());

let runs = 0;

/** Waits until every queued message is processed, polling faster than the harness does. */
async function settled(): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const status = await rt.admin<{
      queue: { backlog: Record<string, number> };
      pendingStateDocuments: number;
    }>("GET", "/api/v1/status");
    const waiting = Object.values(status.body.queue.backlog).reduce((a, b) => a + b, 0);
    if (waiting === 0 && status.body.pendingStateDocuments === 0) return;
    if (Date.now() > deadline) throw new Error(`${waiting} messages still waiting after 20 s`);
    await sleep(5);
  }
}

async function profileDoc(id: string): Promise<ProfileDoc> {
  const res = await rt.profile(id);
  if (res.status !== 200) throw new Error(`GET /api/v1/profiles/${id}: ${res.status}`);
  return res.body as unknown as ProfileDoc;
}

/** One sequence against the runtime and the model; throws at the first difference. */
async function check(ops: Operation[]): Promise<void> {
  const run = `r${++runs}-${randomUUID().slice(0, 8)}`;
  const wire = (value: string, pool: string[]) =>
    identifying(value) !== null && pool.includes(value) ? `${value}-${run}` : value;
  const email = (v: string) => (identifying(v) !== null ? `${wire(v, EMAILS)}@x.test` : v);
  const visitors = Array.from({ length: VISITORS }, () => ({
    session: randomUUID(),
    lastProfile: null as string | null,
    origin: null as string | null,
  }));
  /** Runtime id of each model profile (the id its creating payload was given). */
  const realId = new Map<number, string>();
  const idOf = (key: number | null) =>
    key === null ? null : (realId.get(key) ?? `unknown model profile ${key}`);
  let state: ModelState = initialState(VISITORS);
  let tags = 0;
  const fail = (step: number, what: string) => {
    throw new Error(`step ${step} (${JSON.stringify(ops[step])}): ${what}`);
  };

  /** Each visitor's profile as GET /api/v1/profiles resolves its first profile id. */
  const observe = async () => {
    const seen: (string | null)[] = [];
    for (const v of visitors) seen.push(v.origin === null ? null : (await profileDoc(v.origin)).id);
    return seen;
  };
  const expected = (s: ModelState) => visitors.map((_, i) => idOf(profileOf(s, i)));

  for (const [step, op] of ops.entries()) {
    if (op.kind === "track") {
      const v = visitors[op.visitor];
      if (!v) throw new Error(`no visitor ${op.visitor}`);
      if (op.newSession) v.session = randomUUID();
      const sent = op.events.map((e): ModelEvent => {
        if (e.kind !== "identify") return e;
        return {
          kind: "identify",
          ...(e.email === undefined ? {} : { email: email(e.email) }),
          ...(e.id === undefined ? {} : { id: wire(e.id, IDS) }),
        };
      });
      const eventTags = sent.map(() => `${run}-e${++tags}`);
      const res = await rt.track({
        source: { id: "web" },
        session: { id: v.session },
        ...(v.lastProfile === null ? {} : { profile: { id: v.lastProfile } }),
        events: sent.map((e, i) => ({
          type: e.kind === "identify" ? "identification" : e.kind,
          properties: {
            tag: eventTags[i],
            ...(e.kind === "identify" && e.email !== undefined ? { email: { main: e.email } } : {}),
            ...(e.kind === "identify" && e.id !== undefined ? { id: e.id } : {}),
          },
        })),
      });
      if (res.status !== 200) fail(step, `/track answered ${res.status}: ${JSON.stringify(res.body)}`);
      const given = res.body.profile?.id ?? null;
      const created = v.origin === null;
      state = apply(state, { ...op, events: sent }, eventTags);
      if (created && given !== null) {
        v.origin = given;
        realId.set(profileOf(state, op.visitor) as number, given);
      }
      const want = idOf(profileOf(state, op.visitor));
      if (given !== want) fail(step, `/track gave profile ${given}, the model expects ${want}`);
      v.lastProfile = given;
      // Field changes and creation times order merges: keep them in the order of the operations.
      if (created || sent.some((e) => e.kind === "identify")) {
        await settled();
        await sleep(2);
      }
    } else if (op.kind === "merge-pass") {
      await settled();
      const before = await observe();
      const identifiers = new Map<string, string | null>();
      for (const id of new Set(before)) {
        if (id !== null) identifiers.set(id, identifying((await profileDoc(id)).data.identifier?.id ?? null));
      }
      const pass = await rt.admin("POST", "/api/v1/merge");
      if (pass.status !== 200) fail(step, `merge pass answered ${pass.status}`);
      await settled();
      const after = await observe();
      // Independent of the model: no automatic merge joined two different identifier.ids.
      const joined = new Map<string, Set<string>>();
      after.forEach((id, i) => {
        const was = before[i];
        if (id === null || was === null || was === undefined) return;
        const held = identifiers.get(was);
        if (held === null || held === undefined) return;
        const set = joined.get(id) ?? new Set<string>();
        set.add(held);
        joined.set(id, set);
      });
      for (const [id, held] of joined)
        if (held.size > 1)
          fail(step, `profile ${id} joined identifier.ids ${[...held].join(", ")} without a force`);
      const outcomes = mergePassOutcomes(state);
      const match = outcomes.find((o) => JSON.stringify(expected(o)) === JSON.stringify(after));
      if (!match)
        fail(
          step,
          `visitors ended in ${JSON.stringify(after)}, the model allows ${outcomes.map((o) => JSON.stringify(expected(o))).join(" or ")}`,
        );
      state = match as ModelState;
      const left = unmergedSharing(state).map(([a, b, key]) => `${idOf(a)} and ${idOf(b)} share ${key}`);
      if (left.length > 0) fail(step, `the pass left profiles sharing a merge id apart: ${left.join("; ")}`);
    } else {
      const named = op.visitors.map((i) => visitors[i]?.lastProfile ?? null).filter((id) => id !== null);
      const ids = op.visitors.filter((i) => visitors[i]?.lastProfile !== null);
      if (ids.length < 2) continue;
      await settled();
      const res = await rt.admin("POST", "/api/v1/merge", { profiles: named });
      if (new Set(named).size < 2) {
        if (res.status !== 422) fail(step, `a forced merge of one id answered ${res.status}`);
        continue;
      }
      if (res.status !== 200) fail(step, `forced merge answered ${res.status}: ${JSON.stringify(res.body)}`);
      await settled();
      state = apply(state, { kind: "force-merge", visitors: ids });
      const after = await observe();
      if (JSON.stringify(after) !== JSON.stringify(expected(state)))
        fail(
          step,
          `visitors ended in ${JSON.stringify(after)}, the model expects ${JSON.stringify(expected(state))}`,
        );
    }
  }

  await settled();
  for (const profile of state.profiles.values()) {
    const id = idOf(profile.key) as string;
    const doc = await profileDoc(id);
    const actual = {
      id: doc.id,
      views: doc.stats.views,
      visits: doc.stats.visits,
      visitCount: doc.metadata.time.visit.count,
      email: doc.data.contact?.email?.main ?? null,
      identifier: doc.data.identifier?.id ?? null,
    };
    const model = {
      id,
      views: profile.views,
      visits: profile.visits,
      visitCount: profile.visitCount,
      email: profile.email?.value ?? null,
      identifier: profile.identifier?.value ?? null,
    };
    if (JSON.stringify(actual) !== JSON.stringify(model))
      throw new Error(`profile ${id} is ${JSON.stringify(actual)}, the model says ${JSON.stringify(model)}`);

    const events = await rt.events(`profile=${id}&limit=1000`);
    const items = events.body.items;
    const foreign = items.filter((e) => e.profile?.id !== id);
    if (foreign.length > 0)
      throw new Error(`events listed for ${id} name another profile: ${JSON.stringify(foreign)}`);
    const clientTags = items
      .map((e) => e.properties.tag)
      .filter((t): t is string => typeof t === "string")
      .sort();
    const wantTags = [...profile.clientEvents].sort();
    if (JSON.stringify(clientTags) !== JSON.stringify(wantTags)) {
      const lost = wantTags.filter((t) => !clientTags.includes(t));
      const extra = clientTags.filter((t) => !wantTags.includes(t));
      throw new Error(
        `profile ${id}: events lost ${JSON.stringify(lost)}, events of others ${JSON.stringify(extra)}`,
      );
    }
    const count = (type: string) => items.filter((e) => e.type === type).length;
    const system = {
      "profile-created": count("profile-created"),
      "session-opened": count("session-opened"),
      "visit-started": count("visit-started"),
      total: events.body.total,
    };
    const wantSystem = {
      "profile-created": profile.profilesCreated,
      "session-opened": profile.sessionsOpened,
      "visit-started": profile.sessionsOpened,
      total: profile.clientEvents.length + profile.profilesCreated + 2 * profile.sessionsOpened,
    };
    if (JSON.stringify(system) !== JSON.stringify(wantSystem))
      throw new Error(
        `profile ${id} has events ${JSON.stringify(system)}, the model says ${JSON.stringify(wantSystem)}`,
      );
  }
}

async function property(seed: number): Promise<void> {
  let shrinkUntil = Number.POSITIVE_INFINITY;
  const result = await fc.check(
    fc.asyncProperty(sequence, async (ops) => {
      // Shrinking is bounded: past the budget every candidate passes, so fast-check stops.
      if (Date.now() > shrinkUntil) return true;
      try {
        await check(ops);
        return true;
      } catch (error) {
        if (shrinkUntil === Number.POSITIVE_INFINITY) shrinkUntil = Date.now() + SHRINK_SECONDS * 1000;
        throw error;
      }
    }),
    { seed, numRuns: RUNS, endOnFailure: false },
  );
  if (result.failed) {
    console.log(fc.defaultReportMessage(result));
    const reason = result.errorInstance instanceof Error ? result.errorInstance.message : "interrupted";
    expect.fail(`seed ${seed}: ${reason}\ncounterexample: ${JSON.stringify(result.counterexample?.[0])}`);
  }
}

/** Shrunk counterexamples the property found, replayed as they are. */
const FOUND: Record<string, Operation[]> = {
  // A forced merge dropped the pending mark of the profile it joined, so no pass ever merged the
  // earlier profile holding the same identifier.id.
  "a forced merge keeps the marks of the profiles it joins": [
    { kind: "track", visitor: 0, newSession: false, events: [{ kind: "identify", id: "u-1" }] },
    { kind: "merge-pass" },
    { kind: "track", visitor: 1, newSession: false, events: [{ kind: "page-view" }] },
    { kind: "track", visitor: 2, newSession: false, events: [{ kind: "identify", id: "u-1" }] },
    { kind: "force-merge", visitors: [2, 1] },
    { kind: "merge-pass" },
  ],
  // An automatic merge dropped the marks of the profiles it joined: when the e-mail's command ran
  // first, the identifier.id the joined profile brought was never searched.
  "a merge pass reaches a third profile through a joined profile's ids": [
    { kind: "track", visitor: 0, newSession: false, events: [{ kind: "identify", id: "u-1" }] },
    { kind: "merge-pass" },
    { kind: "track", visitor: 1, newSession: false, events: [{ kind: "identify", email: "ann" }] },
    { kind: "track", visitor: 2, newSession: false, events: [{ kind: "identify", email: "ann", id: "u-1" }] },
    { kind: "merge-pass" },
  ],
};

describe("identify/track/merge sequences against the reference model", () => {
  for (const [name, ops] of Object.entries(FOUND)) {
    it(name, async () => {
      // The second case depends on the order the runtime picks for its merge commands: run it a few times.
      for (let i = 0; i < 5; i++) await check(ops);
    });
  }

  it("hold for the fixed seed", async () => {
    await property(FIXED_SEED);
  }, 120_000);

  it("hold for a random seed (printed)", async () => {
    const seed = process.env.PROPERTY_SEED
      ? Number(process.env.PROPERTY_SEED)
      : Math.floor(Math.random() * 2 ** 31);
    console.log(`merge property: random seed ${seed} (PROPERTY_SEED=${seed} replays it)`);
    await property(seed);
  }, 120_000);
});
