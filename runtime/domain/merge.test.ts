import { describe, expect, it } from "vitest";
import { newProfile } from "../stages/process/profile.js";
import { mergeProfiles } from "./merge.js";
import {
  DEFAULT_IGNORED,
  DEFAULT_IGNORED_MERGE_VALUES,
  hashedId,
  ignoredValues,
  markMergeIds,
  markMergeKeys,
} from "./merge-keys.js";
import { DEFAULT_MERGE_RAILS, type MergeRails, planMerge, recordSkips } from "./merge-plan.js";
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
    expect(markMergeIds(p, "salt")).toBe(true);
    const added = p.ids.slice(1);
    expect(added.map((id) => id.slice(0, 3)).sort()).toEqual(["emm", "ipk", "pho"]);
    expect(p.metadata.system.aux.auto_merge).toEqual(added);
    expect(markMergeIds(p, "salt")).toBe(false);
    expect(p.ids).toHaveLength(4);
  });

  it("makes no id for values that never identify anyone, whatever their case or padding", () => {
    for (const value of [
      "",
      "   ",
      "undefined",
      " NULL ",
      "None",
      "NaN",
      "0",
      0,
      "Anonymous",
      "guest",
      "unknown",
    ]) {
      const p = profile("p", "2026-01-01T00:00:00Z", (x) => {
        x.data = { contact: { email: { main: value } }, identifier: { id: value } };
      });
      expect(markMergeIds(p, "salt"), JSON.stringify(value)).toBe(false);
      expect(p.ids).toEqual(["p"]);
    }
    for (const value of ["[object Object]", "test@test.com", "TEST@example.com", "anyone@test.com"]) {
      expect(DEFAULT_IGNORED(value), value).toBe(true);
    }
    expect(DEFAULT_IGNORED("ann@example.com")).toBe(false);
    expect(DEFAULT_IGNORED("00")).toBe(false);
  });

  it("compiles extra ignored values with * wildcards, case-insensitively", () => {
    const ignored = ignoredValues([...DEFAULT_IGNORED_MERGE_VALUES, "*@Example.COM", "n.a"]);
    expect(ignored("Ann@example.com")).toBe(true);
    expect(ignored("n.a")).toBe(true);
    expect(ignored("nxa")).toBe(false);
    expect(ignored("ann@example.org")).toBe(false);
    expect(ignored("undefined")).toBe(true);
  });

  it("drops the id of a changed or removed value from ids and the mark; keeps mrg- ids of nodes", () => {
    const p = profile("p", "2026-01-01T00:00:00Z", (x) => {
      x.data = { contact: { email: { main: "old@b.c" } } };
    });
    markMergeIds(p, "salt");
    markMergeKeys(p, ["traits.customer"], "salt");
    p.traits = { customer: "c-1" };
    markMergeKeys(p, ["traits.customer"], "salt");
    const old = hashedId("emm", "old@b.c", "salt");
    const node = hashedId("mrg", "traits.customer:c-1", "salt");
    expect(p.ids).toEqual(["p", old, node]);

    (p.data.contact as { email: { main: string } }).email.main = "new@b.c";
    expect(markMergeIds(p, "salt")).toBe(true);
    expect(p.ids).toEqual(["p", node, hashedId("emm", "new@b.c", "salt")]);
    expect(p.metadata.system.aux.auto_merge).not.toContain(old);

    (p.data.contact as { email: { main: string } }).email.main = "undefined";
    markMergeIds(p, "salt");
    expect(p.ids).toEqual(["p", node]);
  });

  it("records forced merge-profiles keys even when the id is already held", () => {
    const p = profile("p", "2026-01-01T00:00:00Z", (x) => {
      x.data = { contact: { email: { main: "a@b.c" } } };
    });
    markMergeIds(p, "salt");
    p.metadata.system.aux.auto_merge = [];
    expect(markMergeKeys(p, ["data.contact.email.main"], "salt", { force: true })).toBe(true);
    expect(p.metadata.system.aux.force_merge).toEqual([hashedId("emm", "a@b.c", "salt")]);
    expect(p.metadata.system.aux.auto_merge).toEqual([hashedId("emm", "a@b.c", "salt")]);
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

  it("merges interests and field stamps named like Object.prototype members as own keys", () => {
    const keys = ["constructor", "toString", "__proto__"];
    const first = profile("a", "2026-01-01T00:00:00Z", (p) => {
      p.interests = { shoes: 1 };
    });
    const second = profile("b", "2026-02-01T00:00:00Z", (p) => {
      p.interests = JSON.parse(`{${keys.map((k) => `"${k}":2`).join(",")}}`);
      p.metadata.fields = JSON.parse(
        `{${keys.map((k) => `"${k}":["2026-02-01T00:00:00.000Z","e"]`).join(",")}}`,
      );
    });
    const { survivor } = mergeProfiles([first, second], new Date("2026-04-01T00:00:00Z"));
    for (const key of keys) {
      expect(Object.getOwnPropertyDescriptor(survivor.interests, key)?.value, key).toBe(2);
      expect(Object.getOwnPropertyDescriptor(survivor.metadata.fields, key)?.value, key).toEqual([
        "2026-02-01T00:00:00.000Z",
        "e",
      ]);
    }
    expect(Object.getPrototypeOf(survivor.interests)).toBe(Object.prototype);
  });

  it("does not change its inputs", () => {
    const before = JSON.stringify(a);
    mergeProfiles([a, b], new Date());
    expect(JSON.stringify(a)).toBe(before);
  });
});

describe("planMerge (the merge rails)", () => {
  const rails: MergeRails = { salt: "salt", ...DEFAULT_MERGE_RAILS };
  const now = new Date("2026-05-01T00:00:00Z");
  const person = (id: string, month: number, data: Profile["data"]) => {
    const p = profile(id, `2026-0${month}-01T00:00:00Z`, (x) => {
      x.data = data;
    });
    markMergeIds(p, "salt");
    return p;
  };

  it("merges profiles sharing an e-mail when at most one identifier.id is involved", () => {
    const base = person("b", 3, { contact: { email: { main: "a@b.c" } }, identifier: { id: "u-1" } });
    const anon = person("a", 1, { contact: { email: { main: "a@b.c" } } });
    const same = person("c", 2, { contact: { email: { main: "a@b.c" } }, identifier: { id: "u-1" } });
    const plan = planMerge(base, [same, anon], rails, now);
    expect(plan.merge.map((p) => p.id)).toEqual(["a", "c"]);
    expect(plan.skipped).toEqual([]);
  });

  it("never merges two different identifier.id values automatically, and says so", () => {
    const base = person("b", 3, { contact: { email: { main: "a@b.c" } }, identifier: { id: "u-1" } });
    const other = person("o", 1, { contact: { email: { main: "a@b.c" } }, identifier: { id: "u-2" } });
    const plan = planMerge(base, [other], rails, now);
    expect(plan.merge).toEqual([]);
    expect(plan.skipped).toEqual([
      {
        reason: "identifier_conflict",
        merge_ids: [hashedId("emm", "a@b.c", "salt")],
        profiles: ["o"],
        at: now.toISOString(),
      },
    ]);
  });

  it("lets the earliest identified candidate set the group's identifier when the base has none", () => {
    const base = person("b", 3, { contact: { email: { main: "a@b.c" } } });
    const first = person("x", 1, { contact: { email: { main: "a@b.c" } }, identifier: { id: "u-1" } });
    const second = person("y", 2, { contact: { email: { main: "a@b.c" } }, identifier: { id: "u-2" } });
    const plan = planMerge(base, [second, first], rails, now);
    expect(plan.merge.map((p) => p.id)).toEqual(["x"]);
    expect(plan.skipped[0]).toMatchObject({ reason: "identifier_conflict", profiles: ["y"] });
  });

  it("does not match through an id the candidate no longer holds a value for", () => {
    const base = person("b", 3, { contact: { email: { main: "a@b.c" } } });
    const moved = person("m", 1, { contact: { email: { main: "a@b.c" } } });
    (moved.data.contact as { email: { main: string } }).email.main = "new@b.c"; // ids not refreshed yet
    expect(planMerge(base, [moved], rails, now).merge).toEqual([]);
  });

  it("skips merge ids shared by more than maxProfiles profiles", () => {
    const shared = { contact: { email: { main: "shared@b.c" } } };
    const base = person("b", 3, shared);
    const others = ["1", "2", "3"].map((id) => person(id, 1, shared));
    const plan = planMerge(base, others, { ...rails, maxProfiles: 3 }, now);
    expect(plan.merge).toEqual([]);
    expect(plan.skipped).toEqual([
      {
        reason: "shared_by_too_many",
        merge_ids: [hashedId("emm", "shared@b.c", "salt")],
        profiles: [],
        at: now.toISOString(),
      },
    ]);
    expect(planMerge(base, others.slice(0, 2), { ...rails, maxProfiles: 3 }, now).merge).toHaveLength(2);
    expect(planMerge(base, others, { ...rails, maxProfiles: 0 }, now).merge).toHaveLength(3);
  });

  it("a forced key (merge-profiles node with force) skips the identifier rail", () => {
    const base = person("b", 3, { contact: { email: { main: "a@b.c" } }, identifier: { id: "u-1" } });
    const other = person("o", 1, { contact: { email: { main: "a@b.c" } }, identifier: { id: "u-2" } });
    markMergeKeys(base, ["data.contact.email.main"], "salt", { force: true });
    const plan = planMerge(base, [other], rails, now);
    expect(plan.merge.map((p) => p.id)).toEqual(["o"]);
    expect(plan.skipped).toEqual([]);
  });

  it("the survivor keeps its own identifier.id in a forced merge", () => {
    const first = person("o", 1, { identifier: { id: "u-2" } });
    const later = person("b", 3, { identifier: { id: "u-1" } });
    later.metadata.fields["data.identifier.id"] = ["2026-04-01T00:00:00.000Z", "e"];
    const { survivor } = mergeProfiles([later, first], now);
    expect(survivor.id).toBe("o");
    expect(survivor.data.identifier).toEqual({ id: "u-2" });
  });

  it("keeps the newest 10 skips on the profile", () => {
    const p = person("p", 1, {});
    for (let i = 0; i < 12; i++)
      recordSkips(p, [{ reason: "identifier_conflict", merge_ids: [], profiles: [`o${i}`], at: "t" }]);
    expect(p.metadata.system.aux.merge_skipped).toHaveLength(10);
    expect(p.metadata.system.aux.merge_skipped?.[9]?.profiles).toEqual(["o11"]);
  });
});
