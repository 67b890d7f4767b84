import { describe, expect, it } from "vitest";
import { renderTemplate, templateProblems } from "./template.js";

describe("templateProblems", () => {
  it("names every reference that reaches a prototype, whole or inside text", () => {
    const mapping = {
      id: "profile@id",
      bad: "profile@traits.__proto__.x",
      nested: { list: ["ok", "Hi {{ event@constructor.name }} and {{event@type}}"] },
      lookalike: "profile@traits.constructors",
    };
    expect(templateProblems(mapping, ["body", "mapping"])).toEqual([
      { loc: ["body", "mapping", "bad"], msg: expect.stringMatching(/"__proto__" is not allowed/) },
      {
        loc: ["body", "mapping", "nested", "list", 1],
        msg: expect.stringMatching(/"constructor" is not allowed/),
      },
    ]);
  });

  it("renders such a reference, stored before the check, as absent", () => {
    const scope = { profile: { traits: {} }, session: null, event: { type: "t" } };
    expect(
      renderTemplate({ a: "profile@traits.__proto__", b: "x{{event@constructor.name}}y" }, scope as never),
    ).toEqual({ a: null, b: "xy" });
  });
});
