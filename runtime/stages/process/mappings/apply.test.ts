import { describe, expect, it } from "vitest";
import { newProfile } from "../profile.js";
import { applyProfileWrite, MappingError } from "./apply.js";

const NOW = "2026-01-01T00:00:00.000Z";

describe("applyProfileWrite", () => {
  it("equals overwrites and records the change; equal values are no change", () => {
    const p = newProfile("p", new Date(NOW));
    expect(applyProfileWrite(p, { target: "traits.a", op: "equals", value: 1 }, "e1", NOW)).toBe(true);
    expect(applyProfileWrite(p, { target: "traits.a", op: "equals", value: 1 }, "e2", NOW)).toBe(false);
    expect(p.traits.a).toBe(1);
    expect(p.metadata.fields["traits.a"]).toEqual([NOW, "e1"]);
  });

  it("skips empty values and fills only empty fields with equals-if-not-exists", () => {
    const p = newProfile("p", new Date(NOW));
    expect(applyProfileWrite(p, { target: "traits.a", op: "equals", value: "" }, "e", NOW)).toBe(false);
    applyProfileWrite(p, { target: "traits.a", op: "equals-if-not-exists", value: "first" }, "e", NOW);
    applyProfileWrite(p, { target: "traits.a", op: "equals-if-not-exists", value: "second" }, "e", NOW);
    expect(p.traits.a).toBe("first");
  });

  it("appends into a list, turning a scalar into a list and keeping values unique", () => {
    const p = newProfile("p", new Date(NOW));
    p.traits.t = "x";
    applyProfileWrite(p, { target: "traits.t", op: "append", value: ["y", "x"] }, "e", NOW);
    expect(p.traits.t).toEqual(["x", "y"]);
  });

  it("adds numbers and refuses to add to a non-number", () => {
    const p = newProfile("p", new Date(NOW));
    applyProfileWrite(p, { target: "data.metrics.ltv", op: "add", value: 2.5 }, "e", NOW);
    applyProfileWrite(p, { target: "data.metrics.ltv", op: "increment", value: 1 }, "e", NOW);
    expect(p.data).toEqual({ metrics: { ltv: 3.5 } });
    p.traits.s = "text";
    expect(() => applyProfileWrite(p, { target: "traits.s", op: "add", value: 1 }, "e", NOW)).toThrow(
      MappingError,
    );
  });

  it("refuses fields outside the writable roots", () => {
    const p = newProfile("p", new Date(NOW));
    expect(() =>
      applyProfileWrite(p, { target: "metadata.time.insert", op: "equals", value: "x" }, "e", NOW),
    ).toThrow(/cannot be written/);
  });

  it("merges consents given as a list or a dict", () => {
    const p = newProfile("p", new Date(NOW));
    applyProfileWrite(p, { target: "consents", op: "equals", value: ["marketing"] }, "e", NOW);
    applyProfileWrite(
      p,
      { target: "consents", op: "equals", value: { cookies: { revoke: "2027-01-01" } } },
      "e",
      NOW,
    );
    expect(p.consents).toEqual({ marketing: { revoke: null }, cookies: { revoke: "2027-01-01" } });
  });

  it("refuses a stored mapping target that reaches a prototype, leaving Object.prototype untouched", () => {
    const p = newProfile("p", new Date(NOW));
    for (const target of ["traits.__proto__.saveEvents", "traits.constructor.prototype.x"]) {
      expect(() => applyProfileWrite(p, { target, op: "equals", value: false }, "e", NOW), target).toThrow(
        /is refused: the segment "(__proto__|constructor)" is not allowed/,
      );
    }
    expect(({} as Record<string, unknown>).saveEvents).toBeUndefined();
    expect(Object.getPrototypeOf(p.traits)).toBe(Object.prototype);
    expect(p.traits).toEqual({});
  });
});
