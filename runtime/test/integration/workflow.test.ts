import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RuntimeProcess } from "../harness.js";

// Source → rule → flow → profile changes, over HTTP against the running runtime.
let rt: RuntimeProcess;

interface ProfileDoc {
  id: string;
  ids: string[];
  traits: Record<string, unknown>;
  segments: string[];
  stats: { views: number };
}
interface Detail {
  detail: {
    loc: (string | number)[];
    msg: string;
    node?: string;
    position?: { offset: number; line: number; column: number };
  }[];
}

const edge = (source: string, target: string, sourcePort = "payload") => ({
  source,
  sourcePort,
  target,
  targetPort: "payload",
});

/** start → increment traits.counter → increase views → if views > 3 → add segment | add tag */
const counterFlow = {
  name: "count and segment",
  nodes: [
    { id: "start", type: "start" },
    { id: "count", type: "increment", config: { path: "profile@traits.counter", by: 1 } },
    { id: "views", type: "increase-views" },
    {
      id: "check",
      type: "if",
      config: { condition: 'profile@stats.views > 3 AND event@type == "purchase"' },
    },
    { id: "engaged", type: "add-segment", config: { segment: "engaged" } },
    {
      id: "copy",
      type: "copy-data",
      config: { from: "event@properties.sku", to: "profile@traits.last_sku" },
    },
  ],
  edges: [
    edge("start", "count"),
    edge("count", "views"),
    edge("views", "check"),
    edge("check", "engaged", "true"),
    edge("check", "copy", "false"),
  ],
};

async function profileOf(id: string): Promise<ProfileDoc> {
  return (await rt.profile(id)).body as unknown as ProfileDoc;
}

beforeAll(async () => {
  rt = await RuntimeProcess.start();
  await rt.createSource("shop");
  const flow = await rt.admin<{ id: string }>("POST", "/api/v1/flows", counterFlow);
  expect(flow.status).toBe(201);
  const rule = await rt.admin("POST", "/api/v1/rules", {
    name: "purchases",
    source: { id: "shop" },
    event_type: { id: "purchase" },
    flow: { id: flow.body.id },
    enabled: true,
  });
  expect(rule.status).toBe(201);
});
afterAll(async () => rt?.stop());

const purchase = (profileId: string | undefined, session: string, sku = "A") =>
  rt.track({
    source: { id: "shop" },
    session: { id: session },
    ...(profileId ? { profile: { id: profileId } } : {}),
    events: [{ type: "purchase", properties: { sku } }],
  });

describe("workflows", () => {
  it("runs the flow of a matching rule and takes the branch its condition picks", async () => {
    const session = randomUUID();
    const first = await purchase(undefined, session, "A");
    const id = first.body.profile?.id as string;
    await rt.drained();
    expect(await profileOf(id)).toMatchObject({
      traits: { counter: 1, last_sku: "A" },
      stats: { views: 1 },
      segments: [],
    });
    for (const sku of ["B", "C", "D"]) await purchase(id, session, sku);
    await rt.drained();
    const after = await profileOf(id);
    expect(after).toMatchObject({ traits: { counter: 4, last_sku: "C" }, stats: { views: 4 } });
    expect(after.segments).toEqual(["engaged"]);
    const events = await rt.events(`profile=${id}&type=purchase`);
    expect(events.body.items[0]).toMatchObject({
      metadata: { processed_by: { flows: [expect.any(String)] } },
    });
  });

  it("counts exactly N under repeats in one payload and under concurrent requests", async () => {
    const session = randomUUID();
    const first = await rt.track({
      source: { id: "shop" },
      session: { id: session },
      events: Array.from({ length: 10 }, () => ({ type: "purchase", properties: { sku: "x" } })),
    });
    const id = first.body.profile?.id as string;
    await Promise.all(Array.from({ length: 30 }, () => purchase(id, session)));
    await rt.drained();
    expect((await profileOf(id)).traits.counter).toBe(40);
  });

  it("does not run flows for events of other types or sources", async () => {
    const res = await rt.track({
      source: { id: "shop" },
      session: { id: randomUUID() },
      events: [{ type: "page-view" }],
    });
    await rt.drained();
    expect((await profileOf(res.body.profile?.id as string)).traits.counter).toBeUndefined();
  });

  it("returns what create-response nodes add in the /track response when processing inline", async () => {
    const flow = await rt.admin<{ id: string }>("POST", "/api/v1/flows", {
      name: "greet",
      nodes: [
        { id: "start", type: "start" },
        { id: "greet", type: "create-response", config: { key: "greeting", value: "hello" } },
        { id: "sku", type: "create-response", config: { key: "sku", from: "event@properties.sku" } },
      ],
      edges: [edge("start", "greet"), edge("greet", "sku")],
    });
    await rt.admin("POST", "/api/v1/rules", {
      name: "greet",
      source: { id: "shop" },
      event_type: { id: "hello" },
      flow: { id: flow.body.id },
      enabled: true,
    });
    const res = await rt.track({
      source: { id: "shop" },
      session: { id: randomUUID() },
      events: [{ type: "hello", properties: { sku: "Z-1" } }],
    });
    expect(res.status).toBe(200);
    expect(res.body.response).toEqual({ greeting: "hello", sku: "Z-1" });
  });

  it("accumulates the keys of several merge-profiles nodes", async () => {
    const flow = await rt.admin<{ id: string }>("POST", "/api/v1/flows", {
      name: "two merge nodes",
      nodes: [
        { id: "start", type: "start" },
        { id: "m1", type: "merge-profiles", config: { keys: ["profile@data.contact.email.main"] } },
        { id: "m2", type: "merge-profiles", config: { keys: ["profile@traits.customer"] } },
      ],
      edges: [edge("start", "m1"), edge("m1", "m2")],
    });
    expect(flow.status).toBe(201);
    await rt.admin("POST", "/api/v1/rules", {
      name: "ids",
      source: { id: "shop" },
      event_type: { id: "identify" },
      flow: { id: flow.body.id },
      enabled: true,
    });
    await rt.admin("POST", "/api/v1/event-to-profile-mappings", {
      event_type: "identify",
      event_to_profile: [
        { event: { value: "properties.email" }, op: "equals", profile: { value: "data.contact.email.main" } },
        { event: { value: "properties.customer" }, op: "equals", profile: { value: "traits.customer" } },
      ],
    });
    const res = await rt.track({
      source: { id: "shop" },
      session: { id: randomUUID() },
      events: [{ type: "identify", properties: { email: "m@example.com", customer: "C-9" } }],
    });
    await rt.drained();
    const ids = (await profileOf(res.body.profile?.id as string)).ids;
    expect(ids.filter((i) => i.startsWith("emm-"))).toHaveLength(1);
    expect(ids.filter((i) => i.startsWith("mrg-"))).toHaveLength(1);
  });
});

describe("TQL date functions", () => {
  it("runs an if node on now.offset() against the event's stored insert time and a date property", async () => {
    const flow = await rt.admin<{ id: string }>("POST", "/api/v1/flows", {
      name: "recent orders",
      nodes: [
        { id: "start", type: "start" },
        {
          id: "recent",
          type: "if",
          config: {
            condition:
              'event@metadata.time.insert > now.offset("-1d") AND event@properties.ordered_at > now.offset("-1d")',
          },
        },
        { id: "yes", type: "add-segment", config: { segment: "recent-order" } },
        { id: "no", type: "add-segment", config: { segment: "old-order" } },
      ],
      edges: [edge("start", "recent"), edge("recent", "yes", "true"), edge("recent", "no", "false")],
    });
    expect(flow.status).toBe(201);
    const rule = await rt.admin("POST", "/api/v1/rules", {
      name: "orders",
      source: { id: "shop" },
      event_type: { id: "order" },
      flow: { id: flow.body.id },
      enabled: true,
    });
    expect(rule.status).toBe(201);

    const order = async (hoursAgo: number) => {
      const res = await rt.track({
        source: { id: "shop" },
        session: { id: randomUUID() },
        events: [
          {
            type: "order",
            properties: { ordered_at: new Date(Date.now() - hoursAgo * 3_600_000).toISOString() },
          },
        ],
      });
      expect(res.status).toBe(200);
      return res.body.profile?.id as string;
    };
    const recent = await order(1);
    const old = await order(72);
    await rt.drained();
    expect((await profileOf(recent)).segments).toEqual(["recent-order"]);
    expect((await profileOf(old)).segments).toEqual(["old-order"]);
  });

  it("refuses to save a condition with an offset or function Tracardi does not know, at its position", async () => {
    const save = (condition: string) =>
      rt.admin<Detail>("POST", "/api/v1/flows", {
        name: "x",
        nodes: [
          { id: "start", type: "start" },
          { id: "check", type: "if", config: { condition } },
        ],
        edges: [edge("start", "check")],
      });
    const offset = await save('event@metadata.time.insert > now.offset("yesterday")');
    expect(offset.status).toBe(422);
    const problem = offset.body.detail.find((d) => d.node === "check");
    expect(problem?.msg).toContain('"yesterday" is not a time offset');
    expect(problem?.position).toMatchObject({ offset: 40, line: 1 });
    const unknown = await save("event@metadata.time.insert > yesterday()");
    expect(unknown.status).toBe(422);
    expect(JSON.stringify(unknown.body.detail)).toContain("unknown function yesterday()");
  });
});

describe("flow and rule validation", () => {
  it("names the node of an unknown type, a dangling edge and a cycle", async () => {
    const unknown = await rt.admin<Detail>("POST", "/api/v1/flows", {
      name: "x",
      nodes: [
        { id: "start", type: "start" },
        { id: "n1", type: "teleport" },
      ],
      edges: [edge("start", "n1")],
    });
    expect(unknown.status).toBe(422);
    expect(unknown.body.detail.some((d) => d.node === "n1" && /teleport/.test(d.msg))).toBe(true);

    const dangling = await rt.admin<Detail>("POST", "/api/v1/flows", {
      name: "x",
      nodes: [{ id: "start", type: "start" }],
      edges: [edge("start", "ghost")],
    });
    expect(dangling.status).toBe(422);
    expect(JSON.stringify(dangling.body.detail)).toContain("ghost");

    const cycle = await rt.admin<Detail>("POST", "/api/v1/flows", {
      name: "x",
      nodes: [
        { id: "start", type: "start" },
        { id: "a", type: "increase-views" },
        { id: "b", type: "increase-visits" },
      ],
      edges: [edge("start", "a"), edge("a", "b"), edge("b", "a")],
    });
    expect(cycle.status).toBe(422);
    expect(cycle.body.detail.some((d) => /cycle/i.test(d.msg))).toBe(true);
  });

  it("reports a condition's syntax error with its position", async () => {
    const res = await rt.admin<Detail>("POST", "/api/v1/flows", {
      name: "x",
      nodes: [
        { id: "start", type: "start" },
        { id: "check", type: "if", config: { condition: "profile@stats.views >" } },
      ],
      edges: [edge("start", "check")],
    });
    expect(res.status).toBe(422);
    const problem = res.body.detail.find((d) => d.node === "check");
    expect(problem?.loc).toEqual(["body", "nodes", 1, "config", "condition"]);
    expect(problem?.position).toMatchObject({ offset: 21, line: 1 });
  });

  it("refuses a rule naming an unknown source or flow", async () => {
    const res = await rt.admin<Detail>("POST", "/api/v1/rules", {
      name: "r",
      source: { id: "nope" },
      event_type: { id: "x" },
      flow: { id: "missing-flow" },
      enabled: true,
    });
    expect(res.status).toBe(422);
    const text = JSON.stringify(res.body.detail);
    expect(text).toContain("nope");
    expect(text).toContain("missing-flow");
  });

  it("imports a Tracardi flow export, and lists unsupported nodes", async () => {
    const node = (id: string, module: string, className: string, init: unknown = null) => ({
      id,
      type: "flowNode",
      data: { spec: { module, className, inputs: ["payload"], outputs: ["payload"], init } },
    });
    const exportDoc = {
      flowGraph: {
        nodes: [
          node("a", "tracardi.process_engine.action.v1.flow.start.start_action", "StartAction", {
            debug: false,
            event_id: null,
            event_types: [],
            profile_less: false,
            session_less: false,
          }),
          node("b", "tracardi.process_engine.action.v1.increase_views_action", "IncreaseViewsAction"),
        ],
        edges: [{ id: "e", source: "a", sourceHandle: "payload", target: "b", targetHandle: "payload" }],
      },
    };
    const imported = await rt.admin<{ nodes: { type: string }[] }>("POST", "/api/v1/flows/import", exportDoc);
    expect(imported.status).toBe(201);
    expect(imported.body.nodes.map((n) => n.type)).toEqual(["start", "increase-views"]);

    exportDoc.flowGraph.nodes.push(
      node("c", "tracardi.process_engine.action.v1.connectors.mailchimp.send", "MailChimpSend"),
    );
    const refused = await rt.admin<Detail>("POST", "/api/v1/flows/import", exportDoc);
    expect(refused.status).toBe(422);
    expect(refused.body.detail.map((d) => d.node)).toEqual(["c"]);
  });
});

describe("workflows switched off", () => {
  let off: RuntimeProcess;
  beforeAll(async () => {
    off = await RuntimeProcess.start({ TRACARDI_WORKFLOW_ENABLED: "false" });
    await off.createSource("shop");
    const flow = await off.admin<{ id: string }>("POST", "/api/v1/flows", counterFlow);
    await off.admin("POST", "/api/v1/rules", {
      name: "r",
      source: { id: "shop" },
      event_type: { id: "purchase" },
      flow: { id: flow.body.id },
      enabled: true,
    });
  });
  afterAll(async () => off?.stop());

  it("runs no workflow, says so on the status endpoint, and still collects and stores", async () => {
    const res = await off.track({
      source: { id: "shop" },
      session: { id: randomUUID() },
      events: [{ type: "purchase", properties: { sku: "A" } }],
    });
    expect(res.status).toBe(200);
    await off.drained();
    const profile = (await off.profile(res.body.profile?.id as string)).body as unknown as ProfileDoc;
    expect(profile.traits.counter).toBeUndefined();
    expect((await off.events(`profile=${profile.id}&type=purchase`)).body.total).toBe(1);
    const status = await off.admin<{ workflow: { enabled: boolean; reason: string } }>(
      "GET",
      "/api/v1/status",
    );
    expect(status.body.workflow.enabled).toBe(false);
    expect(status.body.workflow.reason).toMatch(/no workflow will be triggered/);
  });
});
