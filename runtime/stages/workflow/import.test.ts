import { describe, expect, it } from "vitest";
import { context, makeEvent } from "./fixtures.js";
import { importTracardiFlow } from "./import.js";
import { runFlow } from "./runner.js";

const V1 = "tracardi.process_engine.action.v1";

function node(id: string, module: string, init: unknown, outputs = ["payload"]) {
  return {
    id,
    type: "flowNode",
    position: { x: 0, y: 0 },
    data: {
      name: id,
      metadata: {},
      spec: { className: "X", module, inputs: ["payload"], outputs, init, skip: false, block_flow: false },
    },
  };
}

function link(source: string, sourceHandle: string, target: string) {
  return {
    id: `${source}-${target}`,
    source,
    sourceHandle,
    target,
    targetHandle: "payload",
    type: "default",
  };
}

const exported = {
  id: "flow-1",
  name: "Imported",
  description: "from Tracardi",
  flowGraph: {
    nodes: [
      node("start", `${V1}.flow.start.start_action`, {
        debug: false,
        event_types: [{ id: "purchase", name: "Purchase" }],
        properties: "{}",
      }),
      node("cond", `${V1}.if_action`, { condition: "event@properties.value > 100" }, ["true", "false"]),
      node("copy", `${V1}.traits.copy_trait_action`, {
        traits: {
          set: { "profile@traits.last_value": "event@properties.value", "profile@traits.big": true },
        },
      }),
      node("views", `${V1}.increase_views_action`, null),
      node("seg", `${V1}.segmentation.add.plugin`, { segment: "big-spenders" }),
      node("int", `${V1}.interest.increase.plugin`, { interest: "shopping", value: "2.5" }),
      node("merge", `${V1}.operations.merge_profiles_action`, {
        mergeBy: ["profile@data.contact.email.main"],
      }),
      node("resp", `${V1}.internal.add_response.plugin`, {
        key: "offer",
        body: '{"code": "event@properties.code"}',
      }),
      node("inc", `${V1}.increment_action`, { field: "profile@stats.counters.small", increment: 1 }),
      node("end", `${V1}.end_action`, null, []),
    ],
    edges: [
      link("start", "payload", "cond"),
      link("cond", "true", "copy"),
      link("copy", "payload", "seg"),
      link("seg", "payload", "int"),
      link("int", "payload", "merge"),
      link("merge", "payload", "resp"),
      link("resp", "payload", "end"),
      link("cond", "false", "inc"),
      link("start", "payload", "views"),
    ],
  },
};

describe("importTracardiFlow", () => {
  it("maps supported plugins to our nodes and configs", () => {
    const result = importTracardiFlow(exported);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const { flow } = result;
    expect(flow).toMatchObject({ id: "flow-1", name: "Imported", description: "from Tracardi" });
    const byId = Object.fromEntries(flow.nodes.map((n) => [n.id, n]));
    expect(byId.start).toEqual({ id: "start", type: "start", config: { event_types: ["purchase"] } });
    expect(byId.cond?.config).toEqual({ condition: "event@properties.value > 100" });
    expect(byId.copy).toEqual({
      id: "copy",
      type: "copy-data",
      config: { from: "event@properties.value", to: "profile@traits.last_value" },
    });
    expect(byId["copy#2"]?.config).toEqual({ value: true, to: "profile@traits.big" });
    expect(byId.int?.config).toEqual({ interest: "shopping", by: 2.5 });
    expect(byId.merge?.config).toEqual({ keys: ["profile@data.contact.email.main"] });
    expect(byId.resp?.config).toEqual({ key: "offer", value: { code: "event@properties.code" } });
    expect(byId.inc?.config).toEqual({ path: "profile@stats.counters.small", by: 1 });
  });

  it("chains a multi-action node: incoming edges reach the first part, outgoing leave the last", () => {
    const result = importTracardiFlow(exported);
    if (!result.ok) throw new Error("import failed");
    const edges = result.flow.edges.map((e) => `${e.source}:${e.sourcePort}->${e.target}`);
    expect(edges).toContain("cond:true->copy");
    expect(edges).toContain("copy:payload->copy#2");
    expect(edges).toContain("copy#2:payload->seg");
    expect(edges).not.toContain("copy:payload->seg");
  });

  it("produces a flow that runs like the original", async () => {
    const result = importTracardiFlow(exported);
    if (!result.ok) throw new Error("import failed");
    const ctx = context({ event: makeEvent("purchase", { value: 150, code: "X9" }) });
    const run = await runFlow(result.compiled, ctx);
    expect(run.errors).toEqual([]);
    expect(ctx.profile).toMatchObject({
      traits: { last_value: 150, big: true },
      segments: ["big-spenders"],
      interests: { shopping: 2.5 },
      stats: { views: 1 },
    });
    expect(run.response).toEqual({ offer: { code: "X9" } });
    expect(run.mergeKeys).toEqual(["data.contact.email.main"]);
  });

  it("lists unsupported nodes with their module", () => {
    const withUnsupported = structuredClone(exported);
    withUnsupported.flowGraph.nodes.push(
      node("mail", `${V1}.connectors.sendgrid.send_email.plugin`, {}),
      node("copy-empty", `${V1}.traits.copy_trait_action`, { traits: { set: {} } }),
    );
    const result = importTracardiFlow(withUnsupported);
    expect(result).toEqual({
      ok: false,
      problems: [],
      unsupported: [
        {
          id: "mail",
          module: `${V1}.connectors.sendgrid.send_email.plugin`,
          reason: "no supported node for this plugin",
        },
        { id: "copy-empty", module: `${V1}.traits.copy_trait_action`, reason: "traits.set is empty" },
      ],
    });
  });

  it("finds no plugin for module names that are Object.prototype members", () => {
    const names = ["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf"];
    const hostile = structuredClone(exported);
    hostile.flowGraph.nodes.push(...names.map((module, i) => node(`p${i}`, module, { init: false })));
    const result = importTracardiFlow(hostile);
    expect(result).toEqual({
      ok: false,
      problems: [],
      unsupported: names.map((module, i) => ({
        id: `p${i}`,
        module,
        reason: "no supported node for this plugin",
      })),
    });
  });

  it("maps a remote call, converting the timeout to milliseconds", () => {
    const flow = {
      flowGraph: {
        nodes: [
          node("s", `${V1}.flow.start.start_action`, { event_types: [] }),
          node(
            "api",
            `${V1}.connectors.api_call.plugin`,
            {
              url: "https://crm.example.test/hook",
              method: "post",
              headers: { "x-key": "k" },
              timeout: 5,
              body: { type: "application/json", content: '{"id": "profile@id"}' },
            },
            ["response", "error"],
          ),
        ],
        edges: [link("s", "payload", "api")],
      },
    };
    const result = importTracardiFlow(flow);
    if (!result.ok) throw new Error(JSON.stringify(result));
    expect(result.flow.name).toBe("Imported flow");
    expect(result.flow.nodes[1]?.config).toEqual({
      url: "https://crm.example.test/hook",
      method: "POST",
      headers: { "x-key": "k" },
      timeout_ms: 5000,
      body: { id: "profile@id" },
    });
  });

  it("passes validation problems of the mapped flow on", () => {
    const flow = {
      flowGraph: {
        nodes: [
          node("s", `${V1}.flow.start.start_action`, {}),
          node("cond", `${V1}.if_action`, { condition: "event@a ==" }, ["true", "false"]),
        ],
        edges: [link("s", "payload", "cond"), link("cond", "TRUE", "s")],
      },
    };
    const result = importTracardiFlow(flow);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => [p.node, p.field])).toEqual([
      ["cond", "nodes[1].config.condition"],
      ["cond", "edges[1].sourcePort"],
      ["s", "edges[1].targetPort"],
    ]);
  });

  it("rejects a document without flowGraph", () => {
    expect(importTracardiFlow({ nodes: [] })).toEqual({
      ok: false,
      unsupported: [],
      problems: [{ field: "flowGraph", message: "missing flowGraph.nodes" }],
    });
  });

  it("keeps an unsafe path a path, so validation refuses it naming the node", () => {
    const flow = {
      flowGraph: {
        nodes: [
          node("s", `${V1}.flow.start.start_action`, {}),
          node("copy", `${V1}.traits.copy_trait_action`, {
            traits: { set: { "profile@traits.a": "event@__proto__.polluted" } },
          }),
        ],
        edges: [link("s", "payload", "copy")],
      },
    };
    const result = importTracardiFlow(flow);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => [p.node, p.field])).toEqual([["copy", "nodes[1].config.from"]]);
    expect(result.problems[0]?.message).toMatch(/segment "__proto__" is not allowed/);
  });
});
