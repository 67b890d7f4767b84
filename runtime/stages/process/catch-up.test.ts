import { describe, expect, it } from "vitest";
import type { Profile } from "../../domain/types.js";
import type { VersionedDoc } from "../../domain/versions.js";
import type { DataStore, IdentityIndex } from "../../ports/store.js";
import { storeCaughtUp } from "./catch-up.js";

/** A store holding profile `p` at a version the test moves; the identity index knows no merges. */
function rig(stored: { version: number }, backlog: { size: number }) {
  const released: [VersionedDoc, number, number][] = [];
  const logged: string[] = [];
  const store = {
    getProfile: async (id: string) =>
      ({ id, metadata: { system: { aux: { version: stored.version } } } }) as unknown as Profile,
  } as unknown as DataStore;
  const identity = {
    resolveProfile: async (id: string) => id,
    releaseVersion: async (doc: VersionedDoc, claimed: number, to: number) => {
      released.push([doc, claimed, to]);
      return true;
    },
  } as unknown as IdentityIndex;
  const deps = {
    store,
    identity,
    storageBacklog: async () => backlog.size,
    waitMs: 5000,
    abandonAfterMs: 300,
    log: (line: string) => logged.push(line),
  };
  return { deps, released, logged };
}

describe("storeCaughtUp", () => {
  it("waits until the store holds the claimed version", async () => {
    const stored = { version: 3 };
    const { deps, released } = rig(stored, { size: 1 });
    setTimeout(() => {
      stored.version = 4;
    }, 100);
    await storeCaughtUp([{ doc: "profile:p", version: 4, task: "other" }], "mine", deps);
    expect(stored.version).toBe(4);
    expect(released).toEqual([]);
  });

  it("needs only the version its own earlier claim built on when the claim is the task's own", async () => {
    const { deps, released, logged } = rig({ version: 3 }, { size: 1 });
    await storeCaughtUp([{ doc: "profile:p", version: 4, task: "mine" }], "mine", { ...deps, waitMs: 600 });
    expect(released).toEqual([]);
    expect(logged).toEqual([]);
  });

  it("releases a claim the store stays below while the storage topic is empty", async () => {
    const { deps, released } = rig({ version: 3 }, { size: 0 });
    await storeCaughtUp([{ doc: "profile:p", version: 5, task: "other" }], "mine", deps);
    expect(released).toEqual([["profile:p", 5, 3]]);
  });

  it("does not take an empty storage topic as proof before abandonAfterMs: the forward may be on its way", async () => {
    const stored = { version: 3 };
    const { deps, released } = rig(stored, { size: 0 });
    setTimeout(() => {
      stored.version = 5;
    }, 100);
    await storeCaughtUp([{ doc: "profile:p", version: 5, task: "other" }], "mine", deps);
    expect(released).toEqual([]);
  });

  it("releases every abandoned claim of one wait after two empty reads in a row, though forwards fill the topic again", async () => {
    const { deps, released } = rig({ version: 3 }, { size: 0 });
    let reads = 0;
    const storageBacklog = async () => (++reads === 2 || reads === 3 ? 0 : 1);
    await storeCaughtUp(
      [
        { doc: "profile:p", version: 5, task: "other" },
        { doc: "profile:q", version: 4, task: "other" },
      ],
      "mine",
      { ...deps, storageBacklog },
    );
    expect(released).toEqual([
      ["profile:p", 5, 3],
      ["profile:q", 4, 3],
    ]);
  });

  it("never releases while storage still has messages, and gives up at the deadline", async () => {
    const { deps, released, logged } = rig({ version: 3 }, { size: 2 });
    await storeCaughtUp([{ doc: "profile:p", version: 5, task: "other" }], "mine", { ...deps, waitMs: 600 });
    expect(released).toEqual([]);
    expect(logged).toEqual(["collector: the store does not hold profile:p version 5 after 600 ms"]);
  });
});
