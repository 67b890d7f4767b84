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
  });
}
