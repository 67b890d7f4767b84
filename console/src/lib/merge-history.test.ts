import { describe, expect, it } from "vitest";
import { mergeHistory } from "./merge-history";
import type { Profile } from "./types";

describe("mergeHistory", () => {
  it("tells merged profile ids from hashed merge keys", () => {
    const profile = {
      id: "p1",
      ids: ["p1", "p2", "emm-abc", "p3", "mrg-x"],
      metadata: {
        time: { insert: "", update: null },
        system: { aux: { auto_merge: ["phm-1"], merge_skipped: [] } },
      },
    } as unknown as Profile;
    expect(mergeHistory(profile)).toEqual({
      mergedIds: ["p2", "p3"],
      mergeKeys: ["emm-abc", "mrg-x"],
      pending: ["phm-1"],
      skipped: [],
    });
  });
});
