import { describe, expect, it } from "vitest";
import type { JsonObject } from "../../../domain/types.js";
import { chain, context, makeEvent } from "../fixtures.js";
import type { FlowNode } from "../model.js";
import { type RunContext, runFlow } from "../runner.js";

type Step = Omit<FlowNode, "id">;

async function run(steps: Step[], overrides: Partial<RunContext> = {}) {
  const ctx = context(overrides);
  const result = await runFlow(chain(...steps), ctx);
  return { ctx, result, profile: ctx.profile!, session: ctx.session!, event: ctx.event };
}

/** The payload that the last step emitted, captured into the flow's memory. */
async function lastPayload(steps: Step[], overrides: Partial<RunContext> = {}) {
  const { ctx } = await run(
    [...steps, { type: "write-memory", config: { key: "out", from: "payload@" } }],
    overrides,
  );
  return ctx.memory.out;
}

describe("data nodes", () => {
  it("copy-data copies between roots and sets literals", async () => {
    const { profile, session, event, ctx } = await run(
      [
        { type: "copy-data", config: { from: "event@properties.a", to: "session@properties.a" } },
        { type: "copy-data", config: { from: "session@properties.a", to: "memory@a" } },
        { type: "copy-data", config: { value: { x: 1 }, to: "event@properties.b" } },
        { type: "copy-data", config: { value: "profile@id", to: "profile@data.copy_of_id" } },
        { type: "copy-data", config: { from: "event@properties.missing", to: "profile@traits.untouched" } },
      ],
      { event: makeEvent("purchase", { a: [1, 2] }) },
    );
    expect(session.properties.a).toEqual([1, 2]);
    expect(ctx.memory.a).toEqual([1, 2]);
    expect(event.properties.b).toEqual({ x: 1 });
    expect(profile.data.copy_of_id).toBe("p-1");
    expect("untouched" in profile.traits).toBe(false);
  });

  it("copy-data writes into the payload that flows on", async () => {
    expect(
      await lastPayload([
        { type: "copy-data", config: { value: {}, to: "payload@" } },
        { type: "copy-data", config: { value: 5, to: "payload@n" } },
      ]),
    ).toEqual({ n: 5 });
  });

  it("append-data appends unique values, turning a scalar into a list", async () => {
    const { profile, result } = await run([
      { type: "copy-data", config: { value: "a", to: "profile@traits.list" } },
      { type: "append-data", config: { path: "profile@traits.list", value: "b" } },
      { type: "append-data", config: { path: "profile@traits.list", value: ["b", "c"] } },
      { type: "append-data", config: { path: "profile@traits.new", value: "event@type" } },
    ]);
    expect(profile.traits.list).toEqual(["a", "b", "c"]);
    expect(profile.traits.new).toEqual(["purchase"]);
    expect(result.changes.profile).toEqual(["traits.list", "traits.new"]);
  });

  it("remove-data removes every occurrence and fails on a non-list", async () => {
    const { profile, result } = await run([
      { type: "copy-data", config: { value: ["a", "b", "a", "c"], to: "profile@traits.list" } },
      { type: "remove-data", config: { path: "profile@traits.list", value: "a" } },
      { type: "remove-data", config: { path: "profile@traits.absent", value: "a" } },
      { type: "copy-data", config: { value: "x", to: "profile@traits.scalar" } },
      { type: "remove-data", config: { path: "profile@traits.scalar", value: "x" } },
    ]);
    expect(profile.traits.list).toEqual(["b", "c"]);
    expect(result.errors).toEqual([
      { node: "n5", type: "remove-data", message: "profile@traits.scalar is not a list" },
    ]);
  });

  it("delete-fields removes paths and records only real changes", async () => {
    const profile = context().profile!;
    profile.traits = { a: 1, keep: 1 };
    const { event, result } = await run(
      [
        {
          type: "delete-fields",
          config: { paths: ["profile@traits.a", "profile@traits.none", "event@properties.b"] },
        },
      ],
      { event: makeEvent("purchase", { b: 1, c: 2 }), profile },
    );
    expect(profile.traits).toEqual({ keep: 1 });
    expect(event.properties).toEqual({ c: 2 });
    expect(result.changes).toMatchObject({ profile: ["traits.a"], event: ["properties.b"] });
  });
});

describe("counters and profile stats", () => {
  it("increment and decrement by a step, from 0 when absent", async () => {
    const { profile } = await run([
      { type: "increment", config: { path: "profile@stats.counters.a", by: 5 } },
      { type: "decrement", config: { path: "profile@stats.counters.a" } },
      { type: "decrement", config: { path: "profile@stats.counters.b", by: 2 } },
    ]);
    expect(profile.stats.counters).toEqual({ a: 4, b: -2 });
  });

  it("increment works on memory and session too", async () => {
    const { ctx, session } = await run(
      [
        { type: "increment", config: { path: "memory@count" } },
        { type: "increment", config: { path: "session@properties.clicks" } },
      ],
      { memory: { count: 9 } },
    );
    expect(ctx.memory.count).toBe(10);
    expect(session.properties.clicks).toBe(1);
  });

  it("increase-views and increase-visits bump profile.stats", async () => {
    const { profile, result } = await run([
      { type: "increase-views" },
      { type: "increase-visits" },
      { type: "increase-views" },
    ]);
    expect(profile.stats).toMatchObject({ views: 2, visits: 1 });
    expect(result.changes.profile).toEqual(["stats.views", "stats.visits"]);
  });
});

describe("segments, interests, tags", () => {
  it("add-segment and delete-segment keep the list unique, names may come from a path", async () => {
    const { profile } = await run(
      [
        { type: "add-segment", config: { segment: "vip" } },
        { type: "add-segment", config: { segment: "vip" } },
        { type: "add-segment", config: { segment: "event@properties.segment" } },
        { type: "delete-segment", config: { segment: "vip" } },
      ],
      { event: makeEvent("purchase", { segment: "buyers" }) },
    );
    expect(profile.segments).toEqual(["buyers"]);
  });

  it("rejects a segment name that is not a plain name", async () => {
    const { result } = await run([{ type: "add-segment", config: { segment: "event@properties.segment" } }], {
      event: makeEvent("purchase", { segment: "a.b" }),
    });
    expect(result.errors[0]?.message).toMatch(/^segment must be a name/);
  });

  it("add-interest sets and increase-interest adds", async () => {
    const { profile } = await run([
      { type: "add-interest", config: { interest: "shoes", value: 2 } },
      { type: "increase-interest", config: { interest: "shoes", by: 0.5 } },
      { type: "increase-interest", config: { interest: "hats" } },
    ]);
    expect(profile.interests).toEqual({ shoes: 2.5, hats: 1 });
  });

  it("increase-interest refuses a stored interest that is not a number", async () => {
    const profile = context().profile!;
    (profile.interests as Record<string, unknown>).shoes = "many";
    const { result } = await run([{ type: "increase-interest", config: { interest: "shoes" } }], { profile });
    expect(result.errors).toEqual([
      { node: "n1", type: "increase-interest", message: 'interest "shoes" is not a number' },
    ]);
    expect(profile.interests.shoes).toBe("many");
  });

  it("an interest name from the event that reaches a prototype is a node error, nothing is written", async () => {
    const event = makeEvent("purchase", { name: "__proto__" });
    const { result, profile } = await run(
      [
        { type: "add-interest", config: { interest: "event@properties.name", value: 1 } },
        { type: "increase-interest", config: { interest: "event@properties.name" } },
      ],
      { event },
    );
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]?.message).toMatch(/^interest must be .*not __proto__.*got "__proto__"/);
    expect(profile.interests).toEqual({});
    expect(({} as Record<string, unknown>).value).toBeUndefined();
  });

  it("add-tag adds unique event tags and keeps the count", async () => {
    const { event, result } = await run([
      { type: "add-tag", config: { tag: "promo" } },
      { type: "add-tag", config: { tag: ["promo", "summer"] } },
    ]);
    expect(event.tags).toEqual({ values: ["promo", "summer"], count: 2 });
    expect(result.changes.event).toEqual(["tags"]);
  });
});

describe("payload, response and memory nodes", () => {
  it("payload-template renders a string payload", async () => {
    expect(
      await lastPayload([
        { type: "copy-data", config: { value: "Ann", to: "profile@data.pii.firstname" } },
        {
          type: "payload-template",
          config: { template: "Hello {{profile@data.pii.firstname}} ({{event@type}})" },
        },
      ]),
    ).toBe("Hello Ann (purchase)");
  });

  it("create-response with from, and without key needs an object", async () => {
    const { result } = await run(
      [
        { type: "create-response", config: { key: "props", from: "event@properties" } },
        { type: "create-response", config: { value: "not an object" } },
      ],
      { event: makeEvent("purchase", { a: 1 }) },
    );
    expect(result.response).toEqual({ props: { a: 1 } });
    expect(result.errors).toEqual([
      { node: "n2", type: "create-response", message: "without a key, the response value must be an object" },
    ]);
  });

  it("write-memory stores values and read-memory puts them on the payload", async () => {
    const memory: JsonObject = {};
    const { result } = await run(
      [
        { type: "write-memory", config: { key: "last", from: "event@type" } },
        { type: "write-memory", config: { key: "fixed", value: { a: 1 } } },
        { type: "read-memory", config: { key: "last" } },
        { type: "copy-data", config: { from: "payload@", to: "profile@traits.last" } },
        { type: "read-memory", config: { key: "never" } },
        { type: "copy-data", config: { from: "payload@", to: "profile@traits.never" } },
      ],
      { memory },
    );
    expect(memory).toEqual({ last: "purchase", fixed: { a: 1 } });
    expect(result.changes.memory).toEqual(["last", "fixed"]);
  });

  it("read-memory yields null for a key never written", async () => {
    expect(await lastPayload([{ type: "read-memory", config: { key: "never" } }])).toBeNull();
  });
});
