import { describe, expect, it } from "vitest";
import { tqlConditionCheck } from "./conditions.js";

describe("tqlConditionCheck", () => {
  const scope = {
    profile: { metadata: { time: { insert: "2024-05-01T09:00:00Z" } } },
    session: null,
    event: { properties: { at: "not a date" } },
  };

  it("evaluates date functions at the injected clock", () => {
    const condition = 'profile@metadata.time.insert > now.offset("-2h")';
    expect(tqlConditionCheck(() => Date.parse("2024-05-01T10:00:00Z"))(condition, scope)).toBe(true);
    expect(tqlConditionCheck(() => Date.parse("2024-05-02T10:00:00Z"))(condition, scope)).toBe(false);
  });

  it("does not hold when a function cannot read a value", () => {
    expect(tqlConditionCheck(() => 0)("datetime(event@properties.at) < now()", scope)).toBe(false);
  });
});
