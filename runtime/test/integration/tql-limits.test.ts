import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TQL_MAX_DEPTH, TQL_MAX_LENGTH } from "../../stages/workflow/tql/limits.js";
import { RuntimeProcess } from "../harness.js";

// Issue 10, found by the fuzzer: deep or long TQL and plugin names such as `__proto__` answered 500.
// Each is a 422 with the reason now, and flows with long conditions or odd ids still save and run.
let rt: RuntimeProcess;

interface Detail {
  detail: { loc: (string | number)[]; msg: string; type: string; position?: { offset: number } }[];
}

const V1 = "tracardi.process_engine.action.v1";
const edge = (source: string, target: string, sourcePort = "payload") => ({
  source,
  sourcePort,
  target,
  targetPort: "payload",
});
const tracardiNode = (id: string, module: string, init: unknown) => ({
  id,
  type: "flowNode",
  data: { spec: { module, init } },
});
const tracardiEdge = (source: string, sourceHandle: string, target: string) => ({
  source,
  sourceHandle,
  target,
  targetHandle: "payload",
});
const nested = (n: number) => `${"(".repeat(n)}event@type == "x"${")".repeat(n)}`;
const chain = (n: number, last = "x") =>
  Array.from({ length: n }, (_, i) => `event@type == "${i === n - 1 ? last : "x"}"`).join(" OR ");

beforeAll(async () => {
  rt = await RuntimeProcess.start();
  await rt.createSource("shop");
});
afterAll(async () => rt?.stop());

async function ruleFor(flowId: string, eventType: string): Promise<void> {
  const rule = await rt.admin("POST", "/api/v1/rules", {
    name: `run ${flowId}`,
    source: { id: "shop" },
    event_type: { id: eventType },
    flow: { id: flowId },
    enabled: true,
  });
  expect(rule.status, JSON.stringify(rule.body)).toBe(201);
}

async function track(type: string): Promise<string> {
  const res = await rt.track({ source: { id: "shop" }, session: { id: randomUUID() }, events: [{ type }] });
  expect(res.status).toBe(200);
  return res.body.profile?.id as string;
}

describe("TQL limits over the private API", () => {
  it("a flow condition bracketed a few hundred deep: 422 at the bracket past the limit", async () => {
    const res = await rt.admin<Detail>("POST", "/api/v1/flows", {
      name: "deep",
      nodes: [
        { id: "start", type: "start" },
        { id: "check", type: "if", config: { condition: nested(300) } },
      ],
      edges: [edge("start", "check")],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.body.detail).toEqual([
      expect.objectContaining({
        loc: ["body", "nodes", 1, "config", "condition"],
        msg: expect.stringContaining(`brackets nest deeper than ${TQL_MAX_DEPTH} levels`),
        position: expect.objectContaining({ offset: TQL_MAX_DEPTH }),
      }),
    ]);
  });

  it("an imported if_action chaining thousands of terms (30 KB): 422 saying how long it is", async () => {
    const condition = Array.from({ length: 1400 }, () => 'event@type == "x"').join(" AND ");
    expect(condition.length).toBeGreaterThan(TQL_MAX_LENGTH);
    const res = await rt.admin<Detail>("POST", "/api/v1/flows/import", {
      name: "long",
      flowGraph: {
        nodes: [
          tracardiNode("start", `${V1}.flow.start.start_action`, {}),
          tracardiNode("if", `${V1}.if_action`, { condition }),
        ],
        edges: [tracardiEdge("start", "payload", "if")],
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.body.detail).toEqual([
      expect.objectContaining({
        loc: ["body", "nodes", 1, "config", "condition"],
        msg: expect.stringContaining(
          `${condition.length} characters long; TQL allows at most ${TQL_MAX_LENGTH}`,
        ),
      }),
    ]);
  });

  it("a destination condition bracketed too deep: 422 naming the condition", async () => {
    const resource = await rt.admin<{ id: string }>("POST", "/api/v1/resources", {
      name: "hook",
      credentials: { url: "https://example.com/hook" },
    });
    expect(resource.status).toBe(201);
    const res = await rt.admin<Detail>("POST", "/api/v1/destinations", {
      name: "deep",
      resource: { id: resource.body.id },
      condition: nested(5000),
    });
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.body.detail).toEqual([
      expect.objectContaining({
        loc: ["body", "condition"],
        msg: expect.stringContaining("nest deeper than"),
        position: expect.objectContaining({ offset: TQL_MAX_DEPTH }),
      }),
    ]);
  });

  it("an imported chain just under the limit is saved and runs, taking the branch its last term picks", async () => {
    const terms = Math.floor(TQL_MAX_LENGTH / 'event@type == "x" OR '.length) - 1;
    const condition = chain(terms, "long-chain");
    expect(condition.length).toBeLessThanOrEqual(TQL_MAX_LENGTH);
    const flow = await rt.admin<{ id: string }>("POST", "/api/v1/flows/import", {
      name: "long but allowed",
      flowGraph: {
        nodes: [
          tracardiNode("start", `${V1}.flow.start.start_action`, {}),
          tracardiNode("if", `${V1}.if_action`, { condition }),
          tracardiNode("seg", `${V1}.segmentation.add.plugin`, { segment: "chained" }),
        ],
        edges: [tracardiEdge("start", "payload", "if"), tracardiEdge("if", "true", "seg")],
      },
    });
    expect(flow.status, JSON.stringify(flow.body)).toBe(201);
    await ruleFor(flow.body.id, "long-chain");
    const profile = await track("long-chain");
    await rt.drained();
    expect((await rt.profile(profile)).body).toMatchObject({ segments: ["chained"] });
  });
});

describe("client strings that name Object.prototype members", () => {
  it("an imported node whose module is __proto__ or constructor: 422 naming the unsupported node", async () => {
    const res = await rt.admin<Detail>("POST", "/api/v1/flows/import", {
      flowGraph: {
        nodes: [
          tracardiNode("start", `${V1}.flow.start.start_action`, {}),
          tracardiNode("p", "__proto__", false),
          tracardiNode("c", "constructor", {}),
        ],
        edges: [],
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.body.detail).toEqual([
      expect.objectContaining({
        loc: ["body", "flowGraph", "nodes", "p"],
        msg: "node p: __proto__ is not supported (no supported node for this plugin)",
        type: "value_error.unsupported_node",
      }),
      expect.objectContaining({
        loc: ["body", "flowGraph", "nodes", "c"],
        msg: "node c: constructor is not supported (no supported node for this plugin)",
      }),
    ]);
  });

  it("a flow with id __proto__ writing memory keeps it to itself: later events are still stored", async () => {
    const saved = await rt.admin<{ id: string }>("PUT", "/api/v1/flows/__proto__", {
      name: "proto id",
      nodes: [
        { id: "start", type: "start" },
        { id: "mem", type: "write-memory", config: { key: "saveEvents", value: false } },
      ],
      edges: [edge("start", "mem")],
    });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    expect(saved.body.id).toBe("__proto__");
    await ruleFor("__proto__", "proto-flow");
    const first = await track("proto-flow");
    await rt.drained();
    const after = await track("page-view");
    await rt.drained();
    for (const [profile, type] of [
      [first, "proto-flow"],
      [after, "page-view"],
    ] as const) {
      const events = await rt.events(`profile=${profile}&type=${type}`);
      expect(events.body.total, type).toBe(1);
      expect(events.body.items[0]?.metadata.messages, type).toEqual([]);
    }
  });
});
