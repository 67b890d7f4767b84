import { describe, expect, it } from "vitest";
import { decodeDocument } from "./document.js";

describe("decodeDocument", () => {
  const doc = { id: "a", nested: { list: [1, "ü", null, true] } };

  it("parses text, bytes and takes objects as they are", () => {
    expect(decodeDocument(JSON.stringify(doc))).toEqual(doc);
    expect(decodeDocument(Buffer.from(JSON.stringify(doc), "utf8"))).toEqual(doc);
    expect(decodeDocument(doc)).toBe(doc);
  });

  it("rejects what cannot be a document", () => {
    expect(() => decodeDocument(null)).toThrow(/neither JSON text nor an object: null/);
    expect(() => decodeDocument(42)).toThrow(/number/);
    expect(() => decodeDocument("{not json")).toThrow(SyntaxError);
  });
});
