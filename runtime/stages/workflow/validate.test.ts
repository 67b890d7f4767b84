import { describe, expect, it } from "vitest";
import { edge } from "./fixtures.js";
import type { Problem } from "./model.js";
import { compileFlow, FlowValidationError, validateFlow } from "./validate.js";

function problems(input: unknown): Problem[] {
  const result = validateFlow(input);
  if (result.ok) throw new Error("expected the flow to be invalid");
  return result.problems;
}

const valid = {
  id: "f-1",
  name: "Views",
  nodes: [
    { id: "start", type: "start" },
    { id: "check", type: "if", config: { condition: "profile@stats.views > 3" } },
    { id: "copy", type: "copy-data", config: { from: "event@properties.a", to: "profile@traits.a" } },
    { id: "count", type: "increment", config: { path: "profile@stats.counters.big" } },
    { id: "end", type: "end" },
  ],
  edges: [
    edge("start", "payload", "check"),
    edge("check", "true", "copy"),
    edge("check", "false", "count"),
    edge("copy", "payload", "end"),
  ],
};

describe("validateFlow", () => {
  it("accepts a valid flow, fills config defaults and compiles it in topological order", () => {
    const result = validateFlow(valid);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.flow.nodes.find((n) => n.id === "count")?.config).toEqual({
      path: "profile@stats.counters.big",
      by: 1,
    });
    expect(result.flow.nodes.find((n) => n.id === "start")?.config).toEqual({ event_types: [] });
    expect(result.compiled.nodes.map((n) => n.id)).toEqual(["start", "check", "copy", "count", "end"]);
  });

  it("does not modify its input", () => {
    const input = structuredClone(valid);
    validateFlow(input);
    expect(input).toEqual(valid);
  });

  it("rejects a document that is not a flow, naming the fields", () => {
    expect(problems({ nodes: "x" })).toEqual(
      expect.arrayContaining([
        { field: "name", message: 'missing required field "name"' },
        { field: "nodes", message: "must be array" },
      ]),
    );
    expect(problems({ name: "x", nodes: [{ id: "a" }] })).toEqual([
      { node: "a", field: "nodes[0].type", message: 'missing required field "type"' },
    ]);
  });

  it("names an unknown node type", () => {
    const flow = { ...valid, nodes: [...valid.nodes, { id: "mail", type: "send-mail" }] };
    expect(problems(flow)).toEqual([
      {
        node: "mail",
        field: "nodes[5].type",
        message: expect.stringMatching(/^unknown node type "send-mail"/),
      },
    ]);
  });

  it("names missing, unknown and mistyped config fields", () => {
    const flow = {
      name: "x",
      nodes: [
        { id: "s", type: "start" },
        { id: "c", type: "copy-data", config: { to: "profile@traits.a", form: "x" } },
        { id: "i", type: "increment", config: { path: "profile@stats.x", by: "2" } },
        { id: "r", type: "remote-call", config: { url: "ftp://x", method: "FETCH" } },
      ],
      edges: [],
    };
    expect(problems(flow)).toEqual([
      { node: "c", field: "nodes[1].config", message: 'needs exactly one of "from" or "value"' },
      { node: "c", field: "nodes[1].config.form", message: 'unknown field "form"' },
      { node: "i", field: "nodes[2].config.by", message: "must be number" },
      { node: "r", field: "nodes[3].config.method", message: "must be equal to one of the allowed values" },
    ]);
  });

  it("reports a TQL syntax error with its position", () => {
    const flow = structuredClone(valid);
    (flow.nodes[1] as { config: { condition: string } }).config.condition = "profile@stats.views >";
    expect(problems(flow)).toEqual([
      {
        node: "check",
        field: "nodes[1].config.condition",
        message: "expected a value, a path or a function call, found end of input at line 1, column 22",
        position: { offset: 21, line: 1, column: 22 },
      },
    ]);
  });

  it("reports bad paths, read-only targets and bad templates in configs", () => {
    const flow = {
      name: "x",
      nodes: [
        { id: "s", type: "start" },
        { id: "c", type: "copy-data", config: { from: "event@properties a", to: "profile@id" } },
        { id: "t", type: "payload-template", config: { template: "Hi {{profile@data" } },
        { id: "m", type: "merge-profiles", config: { keys: ["event@properties.email"] } },
      ],
      edges: [],
    };
    const found = problems(flow);
    expect(found.map((p) => [p.node, p.field])).toEqual([
      ["c", "nodes[1].config.to"],
      ["c", "nodes[1].config.from"],
      ["t", "nodes[2].config.template"],
      ["m", "nodes[3].config.keys[0]"],
    ]);
    expect(found[0]?.message).toMatch(/^profile@id is read-only/);
    expect(found[1]?.position?.offset).toBe(17);
    expect(found[2]?.position?.offset).toBe(3);
  });

  it("refuses every path, condition, template, value reference or key that reaches a prototype", () => {
    const flow = {
      name: "x",
      nodes: [
        { id: "s", type: "start" },
        {
          id: "c",
          type: "copy-data",
          config: { from: "event@a", to: "profile@traits.__proto__.saveEvents" },
        },
        { id: "i", type: "if", config: { condition: "profile@__proto__.x == 1" } },
        { id: "t", type: "payload-template", config: { template: "Hi {{event@constructor.name}}" } },
        { id: "v", type: "create-response", config: { key: "k", value: { a: ["payload@prototype"] } } },
        { id: "d", type: "delete-fields", config: { paths: ["profile@traits.constructor"] } },
        { id: "m", type: "write-memory", config: { key: "__proto__", value: 1 } },
        { id: "n", type: "add-interest", config: { interest: "constructor" } },
      ],
      edges: [],
    };
    const found = problems(flow);
    expect(found.map((p) => [p.node, p.field])).toEqual([
      ["c", "nodes[1].config.to"],
      ["i", "nodes[2].config.condition"],
      ["t", "nodes[3].config.template"],
      ["v", "nodes[4].config.value"],
      ["d", "nodes[5].config.paths[0]"],
      ["m", "nodes[6].config.key"],
      ["n", "nodes[7].config.interest"],
    ]);
    for (const p of found) expect(p.message).toMatch(/__proto__|prototype|constructor/);
  });

  it("refuses fixed writes to read-only fields of profile, session and event", () => {
    const flow = {
      name: "x",
      nodes: [
        { id: "s", type: "start" },
        { id: "a", type: "copy-data", config: { value: 1, to: "session@id" } },
        {
          id: "b",
          type: "delete-fields",
          config: { paths: ["event@metadata.status", "profile@metadata.time"] },
        },
        { id: "c", type: "increment", config: { path: "profile@stats.views" } },
      ],
      edges: [],
    };
    expect(problems(flow).map((p) => [p.node, p.field, p.message])).toEqual([
      ["a", "nodes[1].config.to", "session@id is read-only"],
      ["b", "nodes[2].config.paths[0]", "event@metadata.status is read-only"],
      ["b", "nodes[2].config.paths[1]", expect.stringMatching(/^profile@metadata.time is read-only/)],
    ]);
  });

  it("names a dangling edge: a missing node or a port the node does not have", () => {
    const flow = {
      ...valid,
      edges: [
        ...valid.edges,
        edge("ghost", "payload", "end"),
        edge("check", "yes", "end"),
        edge("copy", "payload", "start"),
        edge("end", "payload", "copy"),
      ],
    };
    expect(problems(flow)).toEqual([
      { node: "ghost", field: "edges[4].source", message: 'edge names node "ghost", which does not exist' },
      {
        node: "check",
        field: "edges[5].sourcePort",
        message: 'node "check" (if) has no output port "yes"; its outputs: true, false',
      },
      { node: "start", field: "edges[6].targetPort", message: 'node "start" (start) has no input port' },
      { node: "end", field: "edges[7].sourcePort", message: 'node "end" (end) has no output port' },
    ]);
  });

  it("names a cycle", () => {
    const flow = {
      name: "loop",
      nodes: [
        { id: "s", type: "start" },
        { id: "a", type: "increase-views" },
        { id: "b", type: "increase-visits" },
        { id: "c", type: "end" },
      ],
      edges: [
        edge("s", "payload", "a"),
        edge("a", "payload", "b"),
        edge("b", "payload", "a"),
        edge("b", "payload", "c"),
      ],
    };
    const found = problems(flow);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ field: "edges" });
    expect(["a", "b"]).toContain(found[0]?.node);
    expect(found[0]?.message).toMatch(/cycle: (a → b → a|b → a → b)$/);
  });

  it("requires a start node and unique node ids", () => {
    expect(problems({ name: "x", nodes: [{ id: "e", type: "end" }], edges: [] })).toEqual([
      { field: "nodes", message: 'a flow needs a "start" node' },
    ]);
    expect(
      problems({
        name: "x",
        nodes: [
          { id: "s", type: "start" },
          { id: "s", type: "end" },
        ],
        edges: [],
      }),
    ).toEqual([{ node: "s", field: "nodes[1].id", message: 'duplicate node id "s"' }]);
  });

  it("compileFlow throws with the problems of an invalid flow", () => {
    expect(() => compileFlow({ name: "x", nodes: [], edges: [] })).toThrow(FlowValidationError);
    try {
      compileFlow({ name: "x", nodes: [], edges: [] });
    } catch (error) {
      expect((error as FlowValidationError).problems).toEqual([
        { field: "nodes", message: 'a flow needs a "start" node' },
      ]);
    }
  });
});
