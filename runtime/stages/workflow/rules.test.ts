import { describe, expect, it } from "vitest";
import { matchRules, type Rule, validateRule } from "./rules.js";

const refs = {
  sourceExists: (id: string) => id === "web",
  flowExists: async (id: string) => id === "flow-1",
};

const rule = {
  name: "Purchases",
  source: { id: "web" },
  event_type: { id: "purchase" },
  flow: { id: "flow-1" },
};

describe("validateRule", () => {
  it("accepts a rule with known references and defaults enabled to true", async () => {
    expect(await validateRule(rule, refs)).toEqual({ ok: true, rule: { ...rule, enabled: true } });
  });

  it("names an unknown source and an unknown flow", async () => {
    const result = await validateRule(
      { ...rule, source: { id: "app" }, flow: { id: "nope" }, enabled: false },
      refs,
    );
    expect(result).toEqual({
      ok: false,
      problems: [
        { field: "source.id", message: 'unknown event source "app"' },
        { field: "flow.id", message: 'unknown flow "nope"' },
      ],
    });
  });

  it("reports shape errors before looking references up", async () => {
    let lookedUp = false;
    const result = await validateRule(
      { name: "", source: { id: "web" }, event_type: "purchase", flow: { id: "flow-1" }, extra: 1 },
      {
        sourceExists: () => {
          lookedUp = true;
          return true;
        },
        flowExists: () => true,
      },
    );
    expect(lookedUp).toBe(false);
    expect(result).toEqual({
      ok: false,
      problems: [
        { field: "extra", message: 'unknown field "extra"' },
        { field: "name", message: "must NOT have fewer than 1 characters" },
        { field: "event_type", message: "must be object" },
      ],
    });
  });
});

describe("matchRules", () => {
  const rules: Rule[] = [
    {
      id: "r1",
      name: "a",
      source: { id: "web" },
      event_type: { id: "purchase" },
      flow: { id: "f1" },
      enabled: true,
    },
    {
      id: "r2",
      name: "b",
      source: { id: "web" },
      event_type: { id: "purchase" },
      flow: { id: "f2" },
      enabled: false,
    },
    {
      id: "r3",
      name: "c",
      source: { id: "app" },
      event_type: { id: "purchase" },
      flow: { id: "f3" },
      enabled: true,
    },
    {
      id: "r4",
      name: "d",
      source: { id: "web" },
      event_type: { id: "page-view" },
      flow: { id: "f4" },
      enabled: true,
    },
    {
      id: "r5",
      name: "e",
      source: { id: "web" },
      event_type: { id: "purchase" },
      flow: { id: "f1" },
      enabled: true,
    },
  ];

  it("returns the enabled rules of the source and event type, in order", () => {
    expect(matchRules(rules, "web", "purchase").map((r) => r.id)).toEqual(["r1", "r5"]);
    expect(matchRules(rules, "app", "page-view")).toEqual([]);
  });
});
