import { describe, expect, it } from "vitest";
import {
  apply,
  identifying,
  initialState,
  type ModelEvent,
  type ModelState,
  mergePassOutcomes,
  type Operation,
  partition,
  profileOf,
  unmergedSharing,
} from "./identity-model.js";

// The reference model on its own: each rule of the README it encodes, on a hand-made case.
const track = (visitor: number, events: ModelEvent[], newSession = false): Operation => ({
  kind: "track",
  visitor,
  newSession,
  events,
});
const identify = (email?: string, id?: string): ModelEvent => ({
  kind: "identify",
  ...(email === undefined ? {} : { email }),
  ...(id === undefined ? {} : { id }),
});

function run(visitors: number, ops: Operation[]): ModelState {
  let state = initialState(visitors);
  for (const op of ops) {
    if (op.kind === "merge-pass") {
      const outcomes = mergePassOutcomes(state);
      expect(outcomes).toHaveLength(1);
      state = outcomes[0] as ModelState;
    } else state = apply(state, op);
  }
  return state;
}

function profile(state: ModelState, visitor: number) {
  const key = profileOf(state, visitor);
  return key === null ? undefined : state.profiles.get(key);
}

describe("reference model: identity and counters", () => {
  it("counts a session in visitCount and increase-visits only in the payload that opened it", () => {
    const state = run(1, [
      track(0, [{ kind: "visit-me" }, { kind: "visit-me" }, { kind: "view-me" }]),
      track(0, [{ kind: "visit-me" }, { kind: "view-me" }]),
      track(0, [{ kind: "visit-me" }], true),
    ]);
    expect(profile(state, 0)).toMatchObject({ visits: 3, views: 2, visitCount: 2, sessionsOpened: 2 });
  });

  it("treats placeholders as identifying nobody, after trimming and in any case", () => {
    expect(identifying(" Undefined ")).toBeNull();
    expect(identifying("0")).toBeNull();
    expect(identifying("")).toBeNull();
    expect(identifying(" ann@x.test ")).toBe("ann@x.test");
  });

  it("tags every client event of a payload to the visitor's profile", () => {
    const state = apply(initialState(1), track(0, [{ kind: "page-view" }, { kind: "view-me" }]), ["a", "b"]);
    expect(profile(state, 0)?.clientEvents).toEqual(["a", "b"]);
    expect(profile(state, 0)?.profilesCreated).toBe(1);
  });
});

describe("reference model: merging", () => {
  it("merges two visitors sharing an e-mail into the earliest profile, summing counters and events", () => {
    const state = run(2, [
      track(0, [identify("ann@x.test"), { kind: "view-me" }]),
      track(1, [identify("ann@x.test"), { kind: "visit-me" }]),
      { kind: "merge-pass" },
    ]);
    expect(partition(state)).toEqual([0, 0]);
    expect(profile(state, 1)).toMatchObject({ views: 1, visits: 1, visitCount: 2, profilesCreated: 2 });
    expect(profile(state, 1)?.clientEvents).toHaveLength(4);
    expect(profile(state, 1)?.marks.size).toBe(0);
  });

  it("never merges on placeholders", () => {
    const state = run(2, [
      track(0, [identify("undefined", "0")]),
      track(1, [identify("undefined", "0")]),
      { kind: "merge-pass" },
    ]);
    expect(partition(state)).toEqual([0, 1]);
  });

  it("does not merge different identifier.ids automatically, but a forced merge does", () => {
    let state = run(2, [
      track(0, [identify("ann@x.test", "u-1")]),
      track(1, [identify("ann@x.test", "u-2")]),
      { kind: "merge-pass" },
    ]);
    expect(partition(state)).toEqual([0, 1]);
    state = apply(state, { kind: "force-merge", visitors: [1, 0] });
    expect(partition(state)).toEqual([0, 0]);
    // The earliest profile keeps its identifier.id.
    expect(profile(state, 1)?.identifier?.value).toBe("u-1");
  });

  it("drops the old e-mail's merge id when it changes", () => {
    const state = run(2, [
      track(0, [identify("old@x.test")]),
      { kind: "merge-pass" },
      track(0, [identify("new@x.test")]),
      track(1, [identify("old@x.test")]),
      { kind: "merge-pass" },
    ]);
    // Profiles are keyed by the index of the operation that created them.
    expect(partition(state)).toEqual([0, 3]);
    expect(profile(state, 0)?.ids).toEqual(new Set(["email:new@x.test"]));
  });

  it("keeps the later e-mail on a merge", () => {
    const state = run(2, [
      track(0, [identify("a@x.test", "u-1")]),
      track(1, [identify("b@x.test", "u-1")]),
      { kind: "merge-pass" },
    ]);
    expect(partition(state)).toEqual([0, 0]);
    expect(profile(state, 0)?.email?.value).toBe("b@x.test");
    expect(profile(state, 0)?.ids).toEqual(new Set(["email:b@x.test", "id:u-1"]));
  });

  it("lists each outcome a pass can have when the order of its commands matters", () => {
    // 0 has no identifier; 1 and 2 hold different ones: whichever command runs first decides.
    const state = run(3, [
      track(0, [identify("a@x.test")]),
      track(1, [identify("a@x.test", "u-1")]),
      track(2, [identify("a@x.test", "u-2")]),
    ]);
    const outcomes = mergePassOutcomes(state).map(partition);
    expect(outcomes).toEqual(
      expect.arrayContaining([
        [0, 0, 2],
        [0, 1, 0],
      ]),
    );
    for (const outcome of outcomes) expect(new Set(outcome).size).toBe(2);
  });

  it("counts a forced merge of one profile's ids once", () => {
    let state = run(2, [track(0, [{ kind: "view-me" }]), track(1, [{ kind: "view-me" }])]);
    state = apply(state, { kind: "force-merge", visitors: [0, 1] });
    state = apply(state, { kind: "force-merge", visitors: [1, 0] });
    expect(profile(state, 0)).toMatchObject({ views: 2, visitCount: 2, profilesCreated: 2 });
  });

  it("keeps the marks of profiles joined by a forced merge, so the next pass finds their matches", () => {
    let state = run(3, [
      track(0, [identify(undefined, "u-1")]),
      { kind: "merge-pass" },
      track(1, [{ kind: "page-view" }]),
      track(2, [identify(undefined, "u-1")]),
    ]);
    state = apply(state, { kind: "force-merge", visitors: [2, 1] });
    expect(profile(state, 1)?.marks).toEqual(new Set(["id:u-1"]));
    expect(unmergedSharing(state)).toEqual([[0, 2, "id:u-1"]]);
    const [outcome] = mergePassOutcomes(state);
    expect(partition(outcome as ModelState)).toEqual([0, 0, 0]);
    expect(unmergedSharing(outcome as ModelState)).toEqual([]);
  });

  it("reaches a third profile through a merged profile's ids, whichever command runs first", () => {
    const state = run(3, [
      track(0, [identify(undefined, "u-1")]),
      { kind: "merge-pass" },
      track(1, [identify("a@x.test")]),
      track(2, [identify("a@x.test", "u-1")]),
    ]);
    const outcomes = mergePassOutcomes(state);
    expect(outcomes.map(partition)).toEqual([[0, 0, 0]]);
  });
});
