import { describe, expect, it } from "vitest";
import { findJsonLimitBreach, type JsonLimits, MALFORMED_TEXT } from "./json-limits.js";

const limits: JsonLimits = { maxDepth: 4, maxArrayLength: 3, maxObjectKeys: 2 };

function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

describe("JSON limits", () => {
  it("lets primitives and values within every limit through", () => {
    expect(findJsonLimitBreach("text", limits)).toBeNull();
    expect(findJsonLimitBreach(null, limits)).toBeNull();
    expect(findJsonLimitBreach({ a: [1, 2, { b: [] }], c: null }, limits)).toBeNull();
    expect(findJsonLimitBreach(nested(4), limits)).toBeNull();
  });

  it("names the path of the first object nested too deep", () => {
    expect(findJsonLimitBreach(nested(5), limits)).toEqual({
      path: ["a", "a", "a", "a"],
      msg: "nested deeper than 4 levels",
      type: "value_error.json.too_deep",
    });
    expect(findJsonLimitBreach({ events: [{ p: [[]] }] }, limits)?.path).toEqual(["events", 0, "p", 0]);
  });

  it("stops at the limit on values far deeper than the call stack allows", () => {
    let deep: unknown = [];
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(findJsonLimitBreach(deep, { ...limits, maxDepth: 64 })?.path).toHaveLength(64);
  });

  it("refuses arrays and objects wider than the limits, naming where they are", () => {
    expect(findJsonLimitBreach({ x: { list: [1, 2, 3, 4] } }, limits)).toMatchObject({
      path: ["x", "list"],
      type: "value_error.json.too_many_items",
    });
    expect(findJsonLimitBreach([{ a: 1, b: 2, c: 3 }], limits)).toMatchObject({
      path: [0],
      type: "value_error.json.too_many_keys",
    });
  });

  it("refuses text with a lone surrogate, in a value or a key, naming where it is", () => {
    expect(findJsonLimitBreach({ events: [{ id: "e-\ud800" }] }, limits)).toEqual({
      path: ["events", 0, "id"],
      msg: "text is not well-formed Unicode (a lone surrogate)",
      type: MALFORMED_TEXT,
    });
    expect(findJsonLimitBreach({ list: ["ok", "\udc00"] }, limits)?.path).toEqual(["list", 1]);
    expect(findJsonLimitBreach({ "k\ud83d": 1 }, limits)?.path).toEqual(["k\ud83d"]);
    expect(findJsonLimitBreach({ emoji: "😀", rtl: ["\u202e", "\u0000"] }, limits)).toBeNull();
  });
});
