import { describe, expect, it } from "vitest";
import { newProfile } from "../stages/process/profile.js";
import { mergeProfiles } from "./merge.js";
import { hashedId, markMergeIds } from "./merge-keys.js";
import type { Profile } from "./types.js";

function profile(id: string, insert: string, edit: (p: Profile) => void = () => {}): Profile {
  const p = newProfile(id, new Date(insert));
  edit(p);
  return p;
}

describe("hashed merge ids", () => {
  it("formats md5 of salt and value with Tracardi's prefixes", () => {
    expect(hashedId("emm", "a@b.c", "salt")).toMatch(
      /^emm-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
    expect(hashedId("emm", "a@b.c", "salt")).not.toBe(hashedId("emm", "a@b.c", "other salt"));
  });

  it("adds ids for every merge key once and marks the new ones", () => {
    const p = profile("p", "2026-01-01T00:00:00Z", (x) => {
      x.data = {
        contact: { email: { main: "a@b.c" }, phone: { mobile: "+47 1" } },
        identifier: { pk: "42" },
      };
    });
    const added = markMergeIds(p, "salt");
    expect(added.map((id) => id.slice(0, 3)).sort()).toEqual(["emm", "ipk", "pho"]);
    expect(p.metadata.system.aux.auto_merge).toEqual(added);
    expect(markMergeIds(p, "salt")).toEqual([]);
    expect(p.ids).toHaveLength(4);
  });
});

describe("mergeProfiles", () => {
  const a = profile("a", "2026-01-01T00:00:00Z", (p) => {
    p.stats.visits = 2;
    p.metadata.time.visit = { last: null, current: "2026-01-02T00:00:00.000Z", count: 2, tz: null };
    p.segments = ["vip"];
    p.interests = { shoes: 1 };
    p.data = { pii: { firstname: "Ann" }, contact: { email: { main: "a@b.c" } }, metrics: { ltcocc: 1 } };
    p.traits = { color: "red", tags: ["x"] };
    p.metadata.fields["traits.color"] = ["2026-01-01T00:00:00.000Z", "e1"];
  });
  const b = profile("b", "2026-02-01T00:00:00Z", (p) => {
    p.stats.visits = 3;
    p.metadata.time.visit = { last: null, current: "2026-03-01T00:00:00.000Z", count: 3, tz: "Europe/Oslo" };
    p.segments = ["new"];
    p.interests = { shoes: 2, hats: 1 };
    p.data = { pii: { lastname: "Lee" }, contact: { email: { main: "a@b.c" } }, metrics: { ltcocc: 2 } };
    p.traits = { color: "blue", tags: ["y"] };
    p.metadata.fields["traits.color"] = ["2026-02-02T00:00:00.000Z", "e2"];
  });

  it("keeps the earliest profile's id, sums counters once and unites ids and segments", () => {
    const { survivor, merged } = mergeProfiles([b, a], new Date("2026-04-01T00:00:00Z"));
    expect(survivor.id).toBe("a");
    expect(merged).toEqual(["b"]);
    expect(survivor.ids.sort()).toEqual(["a", "b"]);
    expect(survivor.stats.visits).toBe(5);
    expect(survivor.metadata.time.visit).toMatchObject({
      count: 5,
      current: "2026-03-01T00:00:00.000Z",
      tz: "Europe/Oslo",
    });
    expect(survivor.metadata.time.insert).toBe("2026-01-01T00:00:00.000Z");
    expect(survivor.segments.sort()).toEqual(["new", "vip"]);
    expect(survivor.interests).toEqual({ shoes: 3, hats: 1 });
  });

  it("keeps personal data of both and takes the later change on conflicts", () => {
    const { survivor } = mergeProfiles([a, b], new Date("2026-04-01T00:00:00Z"));
    expect(survivor.data).toEqual({
      pii: { firstname: "Ann", lastname: "Lee" },
      contact: { email: { main: "a@b.c" } },
      metrics: { ltcocc: 3 },
    });
    expect(survivor.traits).toEqual({ color: "blue", tags: ["x", "y"] });
    expect(survivor.metadata.system.aux.auto_merge).toEqual([]);
  });

  it("does not change its inputs", () => {
    const before = JSON.stringify(a);
    mergeProfiles([a, b], new Date());
    expect(JSON.stringify(a)).toBe(before);
  });
});
