import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IdentityIndex } from "../../ports/store.js";

export interface OpenedIdentityIndex {
  index: IdentityIndex;
  /** Another process's view of the same storage (a second connection), or null if it has none. */
  other: IdentityIndex | null;
  close(): Promise<void>;
}

/** What every IdentityIndex must do, run against each implementation on real storage. */
export function describeIdentityIndexContract(name: string, open: () => Promise<OpenedIdentityIndex>): void {
  describe(`IdentityIndex contract: ${name}`, () => {
    let opened: OpenedIdentityIndex;
    let index: IdentityIndex;
    beforeAll(async () => {
      opened = await open();
      index = opened.index;
    });
    afterAll(async () => opened?.close());

    const id = () => randomUUID();

    it("knows registered profiles and nothing else", async () => {
      const p = id();
      expect(await index.resolveProfile(p)).toBeNull();
      index.registerProfile(p);
      expect(await index.resolveProfile(p)).toBe(p);
      await index.persisted();
      expect(await index.resolveProfile(p)).toBe(p);
    });

    it("binds a session to the first profile that claims it", async () => {
      const [s, first, second] = [id(), id(), id()];
      index.registerProfile(first);
      index.registerProfile(second);
      expect(await index.session(s)).toBeNull();
      expect(await index.claimSession(s, first)).toBe(first);
      expect(await index.claimSession(s, second)).toBe(first);
      expect(await index.session(s)).toEqual({ profileId: first });
    });

    it("keeps profile-less sessions, and re-binds a session when told to", async () => {
      const [s, p] = [id(), id()];
      expect(await index.claimSession(s, null)).toBeNull();
      expect(await index.session(s)).toEqual({ profileId: null });
      index.registerProfile(p);
      index.bindSession(s, p);
      expect(await index.session(s)).toEqual({ profileId: p });
      await index.persisted();
      index.refresh();
      expect(await index.session(s)).toEqual({ profileId: p });
    });

    it("resolves merged-away ids to the survivor, through chains of merges", async () => {
      const [a, b, c] = [id(), id(), id()];
      for (const p of [a, b, c]) index.registerProfile(p);
      await index.persisted();
      await index.alias(a, b);
      expect(await index.resolveProfile(a)).toBe(b);
      await index.alias(b, c);
      expect(await index.resolveProfile(a)).toBe(c);
      expect(await index.resolveProfile(b)).toBe(c);
      expect(await index.resolveProfile(c)).toBe(c);
    });

    it("shares claims and merges with another connection to the same storage", async () => {
      const other = opened.other;
      if (other === null) return;
      const [s, mine, theirs, old] = [id(), id(), id(), id()];
      index.registerProfile(mine);
      index.registerProfile(old);
      other.registerProfile(theirs);
      await Promise.all([index.persisted(), other.persisted()]);
      const [a, b] = await Promise.all([index.claimSession(s, mine), other.claimSession(s, theirs)]);
      expect(a).toBe(b);
      expect(await other.resolveProfile(mine)).toBe(mine);
      await index.alias(old, mine);
      other.refresh();
      expect(await other.resolveProfile(old)).toBe(mine);
    });

    it("gives a client event id to its first owner, and finds the owner's re-sends in the window", async () => {
      const [e, t1, t2, t3, t4] = [id(), id(), id(), id(), id()];
      const hour = 3_600_000;
      const claim = (owner: string, task: string, at: number) =>
        index.claimEventIds([{ id: e, owner, task }], at, hour);
      expect(await claim("victim", t1, 1000)).toEqual(["first"]);
      expect(await claim("victim", t1, 2000)).toEqual(["first"]); // the same task redelivered
      expect(await claim("other", t2, 3000)).toEqual(["foreign"]);
      expect(await claim("victim", t3, 4000)).toEqual(["duplicate"]);
      expect(await claim("victim", t4, 1000 + hour + 1)).toEqual(["first"]); // after the window
      expect(await claim("other", t2, 1000 + 2 * hour)).toEqual(["foreign"]); // owners never change
    });

    it("agrees with another connection on who claimed an event id first", async () => {
      const other = opened.other;
      if (other === null) return;
      const e = id();
      const verdicts = await Promise.all([
        index.claimEventIds([{ id: e, owner: "a", task: id() }], 1000, 60_000),
        other.claimEventIds([{ id: e, owner: "b", task: id() }], 1000, 60_000),
      ]);
      expect(verdicts.flat().sort()).toEqual(["first", "foreign"]);
    });

    it("claims document versions all or none, only on the newest version or again by the same task", async () => {
      const [p, s] = [`profile:${id()}`, `session:${id()}`] as const;
      expect(await index.claimVersions([{ doc: p, from: 0, task: "t1" }])).toEqual([]);
      // Built on version 0 again by another task: version 1 exists.
      expect(await index.claimVersions([{ doc: p, from: 0, task: "t2" }])).toEqual([
        { doc: p, version: 1, task: "t1" },
      ]);
      // The same task again (a redelivery) may claim its own step.
      expect(await index.claimVersions([{ doc: p, from: 0, task: "t1" }])).toEqual([]);
      // One refused claim refuses them all: the session is not claimed either.
      expect(
        await index.claimVersions([
          { doc: s, from: 0, task: "t3" },
          { doc: p, from: 5, task: "t3" },
        ]),
      ).toEqual([{ doc: p, version: 1, task: "t1" }]);
      expect(await index.claimVersions([{ doc: s, from: 0, task: "t4" }])).toEqual([]);
      expect(
        await index.claimVersions([
          { doc: s, from: 1, task: "t5" },
          { doc: p, from: 1, task: "t5" },
        ]),
      ).toEqual([]);
    });

    it("releases an abandoned claim only while it is still the newest", async () => {
      const p = `profile:${id()}` as const;
      expect(await index.claimVersions([{ doc: p, from: 0, task: "t1" }])).toEqual([]);
      expect(await index.claimVersions([{ doc: p, from: 1, task: "t2" }])).toEqual([]);
      expect(await index.releaseVersion(p, 1, 0)).toBe(false);
      expect(await (opened.other ?? index).releaseVersion(p, 2, 1)).toBe(true);
      expect(await index.claimVersions([{ doc: p, from: 1, task: "t3" }])).toEqual([]);
    });

    it("lets one of two connections claim the same version", async () => {
      const other = opened.other ?? index;
      const p = `profile:${id()}` as const;
      const answers = await Promise.all([
        index.claimVersions([{ doc: p, from: 0, task: "a" }]),
        other.claimVersions([{ doc: p, from: 0, task: "b" }]),
      ]);
      expect(answers.map((a) => a.length).sort()).toEqual([0, 1]);
    });

    it("remembers deliveries made for the window", async () => {
      const d = id();
      expect(await index.delivered(d, 1000, 60_000)).toBe(false);
      await index.recordDelivery(d, 1000, 60_000);
      expect(await index.delivered(d, 2000, 60_000)).toBe(true);
      expect(await (opened.other ?? index).delivered(d, 2000, 60_000)).toBe(true);
      expect(await index.delivered(d, 1000 + 60_001, 60_000)).toBe(false);
    });
  });
}
