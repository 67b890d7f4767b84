import { describe, expect, it } from "vitest";
import { type ConditionContext, evaluate } from "./evaluate.js";
import { parseCondition } from "./parse.js";

const ctx: ConditionContext = {
  event: { type: "purchase", properties: { price: "19.90", qty: 2, tags: ["a", "b"], name: "Blue shirt" } },
  profile: { stats: { views: 3 }, traits: { vip: true, tier: null }, segments: ["vip"] },
  session: { context: { lang: "en" } },
  payload: { step: 1 },
  memory: { seen: 4 },
};

const is = (text: string, context: ConditionContext = ctx) => evaluate(parseCondition(text), context);

describe("evaluate", () => {
  it("evaluates the contract example", () => {
    expect(is('profile@stats.views > 0 AND event@type == "purchase"')).toBe(true);
    expect(is('profile@stats.views > 3 AND event@type == "purchase"')).toBe(false);
  });

  it("reads every root", () => {
    expect(is('session@context.lang == "en"')).toBe(true);
    expect(is("payload@step == 1")).toBe(true);
    expect(is("memory@seen >= 4")).toBe(true);
  });

  it("compares a number with a numeric string as numbers", () => {
    expect(is("event@properties.price > 10")).toBe(true);
    expect(is("event@properties.price == 19.9")).toBe(true);
    expect(is('event@properties.qty == "2"')).toBe(true);
  });

  it("orders strings lexicographically and refuses to order unrelated types", () => {
    expect(is('event@properties.name < "C"')).toBe(true);
    expect(is("event@properties.name > 1")).toBe(false);
    expect(is("event@properties.name < 1")).toBe(false);
  });

  it("treats absent values as null for equality and as unordered", () => {
    expect(is("event@properties.missing == null")).toBe(true);
    expect(is("event@properties.missing != 1")).toBe(true);
    expect(is("event@properties.missing > 0")).toBe(false);
    expect(is("event@properties.missing < 0")).toBe(false);
  });

  it("compares two paths", () => {
    expect(is("profile@stats.views > event@properties.qty")).toBe(true);
    expect(is("event@properties.qty == payload@step")).toBe(false);
  });

  it("implements AND, OR, NOT", () => {
    expect(is("NOT profile@traits.vip == true")).toBe(false);
    expect(is("profile@traits.vip == false OR memory@seen == 4")).toBe(true);
    expect(is("profile@traits.vip == true AND memory@seen == 5")).toBe(false);
  });

  it("exists is false for absent and null fields", () => {
    expect(is("exists(profile@traits.vip)")).toBe(true);
    expect(is("EXISTS profile@traits.tier")).toBe(false);
    expect(is("profile@traits.nope NOT EXISTS")).toBe(true);
  });

  it("BETWEEN is inclusive", () => {
    expect(is("profile@stats.views BETWEEN 3 AND 5")).toBe(true);
    expect(is("profile@stats.views BETWEEN 1 AND 3")).toBe(true);
    expect(is("profile@stats.views BETWEEN 4 AND 5")).toBe(false);
  });

  it("IN matches any list item", () => {
    expect(is('event@type IN ("purchase", "refund")')).toBe(true);
    expect(is('event@type NOT IN ("page-view")')).toBe(true);
    expect(is("profile@stats.views IN (1, 2)")).toBe(false);
  });

  it("CONTAINS works on lists, strings and object keys", () => {
    expect(is('profile@segments CONTAINS "vip"')).toBe(true);
    expect(is('event@properties.tags CONTAINS "c"')).toBe(false);
    expect(is('event@properties.name CONTAINS "shirt"')).toBe(true);
    expect(is('profile@traits CONTAINS "vip"')).toBe(true);
  });

  it("STARTS WITH and ENDS WITH only match strings", () => {
    expect(is('event@properties.name STARTS WITH "Blue"')).toBe(true);
    expect(is('event@properties.name ENDS WITH "Blue"')).toBe(false);
    expect(is('profile@stats.views STARTS WITH "3"')).toBe(false);
  });

  it("IS NULL and EMPTY", () => {
    expect(is("profile@traits.tier IS NULL")).toBe(true);
    expect(is("profile@traits.absent IS NULL")).toBe(true);
    expect(is("profile@traits.vip IS NOT NULL")).toBe(true);
    expect(is("session@properties EMPTY")).toBe(true);
    expect(is("profile@segments NOT EMPTY")).toBe(true);
  });

  it("reads absent documents (profile-less event) as absent values", () => {
    expect(is("profile@stats.views > 0", { event: {} })).toBe(false);
    expect(is("profile@stats.views NOT EXISTS", { event: {} })).toBe(true);
  });
});
