import { describe, expect, it } from "vitest";
import { type ConditionContext, evaluate, TqlEvaluationError } from "./evaluate.js";
import { parseCondition } from "./parse.js";

const ctx: ConditionContext = {
  event: { type: "purchase", properties: { price: "19.90", qty: 2, tags: ["a", "b"], name: "Blue shirt" } },
  profile: { stats: { views: 3 }, traits: { vip: true, tier: null }, segments: ["vip"] },
  session: { context: { lang: "en" } },
  payload: { step: 1 },
  memory: { seen: 4 },
};

const NOW = Date.parse("2024-03-01T12:00:00Z");
const is = (text: string, context: ConditionContext = ctx) => evaluate(parseCondition(text), context, NOW);

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

// Tracardi's cases: test/unit/test_tql.py (test_should_parse_offset, test_datetime_from_timestamp…).
describe("evaluate date functions", () => {
  const times: ConditionContext = {
    event: { metadata: { time: { insert: "2024-03-01T11:00:00.000Z" } }, properties: { day: "2021-01-10" } },
    profile: {
      metadata: { time: { insert: "2024-02-01T12:00:00+02:00" } },
      traits: { ts: 1650976227, tier: null },
    },
    payload: { offset: "-2h", bad: "soon" },
  };
  const at = (text: string) => is(text, times);

  it("reads now() and now.offset() from the injected instant, not the clock", () => {
    expect(at('now() == datetime("2024-03-01T12:00:00Z")')).toBe(true);
    expect(at('now.offset("-1d") == datetime("2024-02-29 12:00:00")')).toBe(true);
    expect(at('now.offset("-1m") < now()')).toBe(true);
    expect(at('now.offset("+1m") > now()')).toBe(true);
    expect(at("now.offset(5m) > now()")).toBe(true);
  });

  it("compares a stored ISO date with a date value by instant", () => {
    expect(at('event@metadata.time.insert > now.offset("-1d")')).toBe(true);
    expect(at('event@metadata.time.insert > now.offset("-30m")')).toBe(false);
    expect(at('now.offset("-1h") == event@metadata.time.insert')).toBe(true);
    // +02:00 is honoured: 10:00 UTC, 29 days and 2 hours before now (2024 is a leap year).
    expect(at('profile@metadata.time.insert < now.offset("-29d")')).toBe(true);
    expect(at('profile@metadata.time.insert < now.offset("-29d 3h")')).toBe(false);
    expect(at('profile@metadata.time.insert == datetime("2024-02-01T10:00:00Z")')).toBe(true);
    expect(at('profile@metadata.time.insert BETWEEN datetime("2024-01-01") AND now()')).toBe(true);
  });

  it("offsets a date read from a path by a literal or a path", () => {
    expect(at('datetime.offset(event@properties.day, "-1m") < now()')).toBe(true);
    expect(at('datetime.offset(event@metadata.time.insert, "1h") == now()')).toBe(true);
    expect(at('datetime.offset(event@metadata.time.insert, payload@offset) == now.offset("-3h")')).toBe(true);
    expect(at('datetime(event@properties.day) > datetime("2021-01-11")')).toBe(false);
    expect(at('datetime(event@properties.day) > datetime("2021-01-10 00:00:01")')).toBe(false);
    expect(
      at('datetime(event@properties.day) between datetime("2022-01-01") and datetime("2023-01-01")'),
    ).toBe(false);
  });

  it("reads Unix timestamps in seconds and keeps the instant across time zones", () => {
    expect(at('datetime.from_timestamp(profile@traits.ts) == datetime("2022-04-26T12:30:27Z")')).toBe(true);
    expect(
      at("datetime.from_timestamp(profile@traits.ts) > datetime.from_timestamp(profile@traits.ts)"),
    ).toBe(false);
    expect(
      at('datetime.timezone(event@properties.day, "europe/warsaw") < now.timezone("europe/paris")'),
    ).toBe(true);
    expect(at('now("Europe/Paris") == now()')).toBe(true);
    expect(at('now.timezone.offset("Asia/Tokyo", "-1d") == now.offset("-1d")')).toBe(true);
  });

  it("makes a function of an absent or null value absent, so EXISTS can guard it", () => {
    expect(at('datetime.offset(payload@missing, "-1m") < now()')).toBe(false);
    expect(at('datetime.offset(profile@traits.tier, "-1m") IS NULL')).toBe(true);
    expect(at('payload@missing EXISTS AND datetime.offset(payload@missing, "-1m") < now()')).toBe(false);
  });

  it("refuses a value from a document that is no date, offset or timestamp", () => {
    expect(() => at("datetime(payload@bad) < now()")).toThrow(TqlEvaluationError);
    expect(() => at("datetime.offset(event@metadata.time.insert, payload@bad) < now()")).toThrow(
      /datetime.offset\(\): "soon" is not a time offset/,
    );
    expect(() => at("datetime.from_timestamp(payload@bad) < now()")).toThrow(/not a Unix timestamp/);
  });

  it("does not read a date into numbers, and keeps plain strings comparing as text", () => {
    expect(at("now() > 0")).toBe(false);
    expect(at('event@metadata.time.insert > "2024"')).toBe(true);
    expect(at('now() CONTAINS "2024-03-01"')).toBe(true);
    expect(at('lowercase("ABC") == "abc" AND uppercase(payload@offset) == "-2H"')).toBe(true);
  });
});
