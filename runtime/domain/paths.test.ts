import { afterEach, describe, expect, it } from "vitest";
import {
  deletePath,
  forbiddenSegment,
  getPath,
  mergeObjects,
  setPath,
  UnsafePathError,
  unsafePathProblem,
} from "./paths.js";
import type { JsonObject } from "./types.js";

const UNSAFE = ["__proto__", "prototype", "constructor"];

/** Whatever a test did, Object.prototype must not have gained a key. */
function prototypeKeys(): string[] {
  return Object.getOwnPropertyNames(Object.prototype).sort();
}
const before = prototypeKeys();
afterEach(() => {
  expect(prototypeKeys()).toEqual(before);
  expect(({} as Record<string, unknown>).saveEvents).toBeUndefined();
});

describe("getPath", () => {
  it("reads own values only, never through a prototype", () => {
    const doc = { traits: { a: { b: 1 } } };
    expect(getPath(doc, "traits.a.b")).toBe(1);
    expect(getPath(doc, "traits.__proto__")).toBeUndefined();
    expect(getPath(doc, "traits.constructor")).toBeUndefined();
    expect(getPath(doc, "traits.constructor.prototype")).toBeUndefined();
    expect(getPath(doc, "traits.toString")).toBeUndefined();
    expect(getPath(doc, "traits.hasOwnProperty")).toBeUndefined();
  });

  it("reads a key named like a prototype key when it is the document's own data", () => {
    const doc = JSON.parse('{"p":{"__proto__":{"x":1},"constructor":"c"}}') as JsonObject;
    expect(getPath(doc, "p.__proto__.x")).toBe(1);
    expect(getPath(doc, "p.constructor")).toBe("c");
  });
});

describe("setPath", () => {
  it.each(UNSAFE)("refuses a path through %s, leaving the document and Object.prototype untouched", (key) => {
    const doc: JsonObject = { traits: {} };
    expect(() => setPath(doc, `traits.${key}.saveEvents`, false)).toThrow(UnsafePathError);
    expect(() => setPath(doc, key, { saveEvents: false })).toThrow(/segment "\w+" is not allowed/);
    expect(doc).toEqual({ traits: {} });
    expect(Object.getPrototypeOf(doc)).toBe(Object.prototype);
  });

  it("creates objects on the way and replaces an inherited value by own data", () => {
    const doc: JsonObject = { traits: { a: 1 } };
    setPath(doc, "traits.toString.x", 2);
    setPath(doc, "traits.b.c", 3);
    expect(doc).toEqual({ traits: { a: 1, toString: { x: 2 }, b: { c: 3 } } });
  });

  it("names the path and the segment in its error", () => {
    const doc: JsonObject = {};
    expect(() => setPath(doc, "traits.__proto__.saveEvents", 1)).toThrow(
      'path "traits.__proto__.saveEvents" is refused: the segment "__proto__" is not allowed',
    );
  });
});

describe("deletePath", () => {
  it.each(UNSAFE)("refuses a path through %s", (key) => {
    const doc: JsonObject = { traits: { a: 1 } };
    expect(() => deletePath(doc, `traits.${key}.hasOwnProperty`)).toThrow(UnsafePathError);
    expect(() => deletePath(doc, `${key}`)).toThrow(UnsafePathError);
    expect(typeof Object.prototype.hasOwnProperty).toBe("function");
    expect(doc).toEqual({ traits: { a: 1 } });
  });

  it("deletes own keys only", () => {
    const doc: JsonObject = { traits: { a: 1 } };
    expect(deletePath(doc, "traits.toString")).toBe(false);
    expect(deletePath(doc, "traits.a")).toBe(true);
    expect(doc).toEqual({ traits: {} });
  });
});

describe("mergeObjects", () => {
  it("merges an own __proto__ key of parsed JSON as data, not into a prototype", () => {
    const target: JsonObject = { a: { x: 1 } };
    const source = JSON.parse('{"__proto__":{"saveEvents":false},"constructor":{"y":2},"a":{"z":3}}');
    mergeObjects(target, source as JsonObject);
    expect(Object.getPrototypeOf(target)).toBe(Object.prototype);
    expect(Object.hasOwn(target, "__proto__")).toBe(true);
    expect(JSON.stringify(target)).toBe(
      '{"a":{"x":1,"z":3},"__proto__":{"saveEvents":false},"constructor":{"y":2}}',
    );
  });
});

describe("unsafePathProblem", () => {
  it("names the first forbidden segment and accepts look-alikes", () => {
    expect(forbiddenSegment("traits.__proto__.x")).toBe("__proto__");
    expect(unsafePathProblem("a.prototype")).toMatch(/"prototype" is not allowed/);
    expect(unsafePathProblem("traits.constructors.__proto")).toBeUndefined();
    expect(unsafePathProblem("traits.Constructor")).toBeUndefined();
  });
});
