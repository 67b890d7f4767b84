import { describe, expect, it } from "vitest";
import { chain, makeEvent, makeProfile, makeSession, NOW } from "./fixtures.js";
import { compileFlow } from "./validate.js";
import { runWorkflows, type WorkflowsContext } from "./workflows.js";

function ctx(overrides: Partial<WorkflowsContext> = {}): WorkflowsContext {
  return {
    event: makeEvent("purchase", { email: "a@example.test" }),
    profile: makeProfile(),
    session: makeSession(),
    now: NOW.toISOString(),
    memory: {},
    ...overrides,
  };
}

const counting = compileFlow({
  id: "count",
  name: "count",
  nodes: [
    { id: "s", type: "start" },
    { id: "c", type: "increment", config: { path: "memory@runs" } },
    { id: "v", type: "increase-views" },
    { id: "r", type: "create-response", config: { key: "from", value: "count" } },
    { id: "m", type: "merge-profiles", config: { keys: ["profile@data.contact.email.main"] } },
  ],
  edges: [
    { source: "s", sourcePort: "payload", target: "c", targetPort: "payload" },
    { source: "c", sourcePort: "payload", target: "v", targetPort: "payload" },
    { source: "v", sourcePort: "payload", target: "r", targetPort: "payload" },
    { source: "r", sourcePort: "payload", target: "m", targetPort: "payload" },
  ],
});

describe("runWorkflows", () => {
  it("runs every matched flow in order over the shared profile and aggregates the results", async () => {
    const second = chain(
      { type: "create-response", config: { value: { from: "second", extra: true } } },
      {
        type: "merge-profiles",
        config: { keys: ["profile@data.contact.phone.main", "profile@data.contact.email.main"] },
      },
      { type: "increase-views" },
      { type: "increment", config: { path: "profile@traits.name" } },
    );
    const context = ctx({ memory: { count: { runs: 4 } } });
    context.profile!.traits.name = "Ann";
    const result = await runWorkflows(
      [
        { ruleId: "r1", flow: counting },
        { ruleId: "r2", flow: second },
      ],
      context,
    );
    expect(context.profile?.stats.views).toBe(2);
    expect(result.response).toEqual({ from: "second", extra: true });
    expect(result.mergeKeys).toEqual(["data.contact.email.main", "data.contact.phone.main"]);
    expect(result.changes.profile).toEqual(["stats.views"]);
    expect(result.processedBy).toEqual({ rules: ["r1", "r2"], flows: ["count", "f-1"] });
    expect(result.memoryChanged).toEqual({ count: { runs: 5 } });
    expect(context.memory["f-1"]).toEqual({});
    expect(result.errors).toEqual([
      { flow: "f-1", node: "n4", type: "increment", message: "profile@traits.name is not a number" },
    ]);
    expect(result.runs).toHaveLength(2);
  });

  it("gives flows whose ids are Object.prototype members their own memory and response keys", async () => {
    const writer = (id: string) =>
      compileFlow({
        id,
        name: id,
        nodes: [
          { id: "s", type: "start" },
          { id: "w", type: "write-memory", config: { key: "polluted", value: "yes" } },
          { id: "r", type: "create-response", config: { key: "__proto__", value: { polluted: "yes" } } },
        ],
        edges: [
          { source: "s", sourcePort: "payload", target: "w", targetPort: "payload" },
          { source: "w", sourcePort: "payload", target: "r", targetPort: "payload" },
        ],
      });
    const context = ctx();
    const result = await runWorkflows(
      ["__proto__", "constructor", "toString"].map((id) => ({ flow: writer(id) })),
      context,
    );
    expect(result.errors).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object as unknown as Record<string, unknown>).polluted).toBeUndefined();
    for (const id of ["__proto__", "constructor", "toString"]) {
      expect(Object.getOwnPropertyDescriptor(context.memory, id)?.value).toEqual({ polluted: "yes" });
      expect(Object.getOwnPropertyDescriptor(result.memoryChanged, id)?.value).toEqual({ polluted: "yes" });
    }
    expect(Object.getPrototypeOf(result.response)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(result.response, "__proto__")?.value).toEqual({ polluted: "yes" });
  });

  it("runs nothing for no jobs", async () => {
    const context = ctx();
    const result = await runWorkflows([], context);
    expect(result.processedBy).toEqual({ rules: [], flows: [] });
    expect(context.profile?.stats.views).toBe(0);
  });
});
