import { describe, expect, it } from "vitest";
import type { Profile, Session } from "./types.js";
import { claimAllowed, nextProfileVersion, nextSessionVersion, storedReaches } from "./versions.js";

const profile = (version?: number) =>
  ({
    id: "p",
    metadata: { system: { aux: version === undefined ? {} : { version } } },
  }) as unknown as Profile;
const session = (version?: number) => ({ id: "s", metadata: { version } }) as unknown as Session;

describe("version claims", () => {
  it("allow a claim built on the newest version, or the same task claiming its step again", () => {
    const claim = { doc: "profile:p", from: 3, task: "t" } as const;
    expect(claimAllowed({ version: 3, task: "other" }, claim)).toBe(true);
    expect(claimAllowed({ version: 4, task: "t" }, claim)).toBe(true);
    expect(claimAllowed({ version: 4, task: "other" }, claim)).toBe(false);
    expect(claimAllowed({ version: 2, task: "t" }, claim)).toBe(false);
    expect(claimAllowed({ version: 5, task: "t" }, claim)).toBe(false);
    expect(claimAllowed(null, { ...claim, from: 0 })).toBe(true);
    expect(claimAllowed(null, claim)).toBe(false);
  });

  it("stamp the next version on the document and name the one it was built on", () => {
    const p = profile(7);
    expect(nextProfileVersion(p, "t")).toEqual({ doc: "profile:p", from: 7, task: "t" });
    expect(p.metadata.system.aux.version).toBe(8);
    const unversioned = session();
    expect(nextSessionVersion(unversioned, "t")).toEqual({ doc: "session:s", from: 0, task: "t" });
    expect(unversioned.metadata.version).toBe(1);
  });

  it("tell whether the store holds a version or a newer one", () => {
    expect(storedReaches(profile(5), "profile:p", 5)).toBe(true);
    expect(storedReaches(profile(6), "profile:p", 5)).toBe(true);
    expect(storedReaches(profile(4), "profile:p", 5)).toBe(false);
    expect(storedReaches(null, "profile:p", 1)).toBe(false);
    expect(storedReaches(null, "profile:p", 0)).toBe(true);
    expect(storedReaches(session(2), "session:s", 2)).toBe(true);
  });
});
