import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RuntimeProcess } from "../harness.js";

// Issue 10 case 5: a path through __proto__/prototype/constructor is refused wherever it is saved
// (422 naming the field), and one built at run time is an error on its event; nothing stops.
let rt: RuntimeProcess;

interface Detail {
  detail: { loc: (string | number)[]; msg: string; type: string }[];
}

beforeAll(async () => {
  rt = await RuntimeProcess.start();
  await rt.createSource("shop");
});
afterAll(async () => rt?.stop());

function expectRefused(res: { status: number; body: unknown }, loc: (string | number)[], segment: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(422);
  const { detail } = res.body as Detail;
  expect(detail).toContainEqual(
    expect.objectContaining({ loc, msg: expect.stringContaining(`"${segment}" is not allowed`) }),
  );
}

async function trackAndRead(type: string, properties: Record<string, unknown> = {}) {
  const res = await rt.track({
    source: { id: "shop" },
    session: { id: randomUUID() },
    events: [{ type, properties }],
  });
  expect(res.status).toBe(200);
  const profile = res.body.profile?.id as string;
  await rt.drained();
  const events = await rt.events(`profile=${profile}&type=${type}`);
  expect(events.body.total).toBe(1);
  return { profile, event: events.body.items[0] };
}

const start = { id: "start", type: "start" };
const from = (source: string, target: string) => ({
  source,
  sourcePort: "payload",
  target,
  targetPort: "payload",
});

describe("saving a path that reaches a prototype", () => {
  it("an event-to-profile mapping: 422 naming the profile or event path", async () => {
    const mapping = (event: string, profile: string) =>
      rt.admin("POST", "/api/v1/event-to-profile-mappings", {
        event_type: "sign-up",
        event_to_profile: [{ event: { value: event }, op: "equals", profile: { value: profile } }],
      });
    expectRefused(
      await mapping("properties.flag", "traits.__proto__.saveEvents"),
      ["body", "event_to_profile", 0, "profile", "value"],
      "__proto__",
    );
    expectRefused(
      await mapping("properties.constructor.prototype", "traits.flag"),
      ["body", "event_to_profile", 0, "event", "value"],
      "constructor",
    );
    expect((await rt.admin<{ total: number }>("GET", "/api/v1/event-to-profile-mappings")).body.total).toBe(
      0,
    );
  });

  it("a flow node path, a TQL condition and a template: 422 naming the node field", async () => {
    const res = await rt.admin("POST", "/api/v1/flows", {
      name: "hostile",
      nodes: [
        start,
        {
          id: "copy",
          type: "copy-data",
          config: { value: false, to: "profile@traits.__proto__.saveEvents" },
        },
        { id: "check", type: "if", config: { condition: "profile@__proto__.x == 1" } },
        { id: "text", type: "payload-template", config: { template: "{{event@constructor.name}}" } },
      ],
      edges: [from("start", "copy"), from("copy", "check")],
    });
    expectRefused(res, ["body", "nodes", 1, "config", "to"], "__proto__");
    expectRefused(res, ["body", "nodes", 2, "config", "condition"], "__proto__");
    expectRefused(res, ["body", "nodes", 3, "config", "template"], "constructor");
  });

  it("an imported Tracardi flow: 422 naming the node field", async () => {
    const V1 = "tracardi.process_engine.action.v1";
    const node = (id: string, module: string, init: unknown) => ({
      id,
      type: "flowNode",
      data: { spec: { module, init } },
    });
    const res = await rt.admin("POST", "/api/v1/flows/import", {
      flowGraph: {
        nodes: [
          node("start", `${V1}.flow.start.start_action`, {}),
          node("del", `${V1}.traits.delete_trait_action`, { delete: ["profile@traits.__proto__.x"] }),
        ],
        edges: [{ source: "start", sourceHandle: "payload", target: "del", targetHandle: "payload" }],
      },
    });
    expectRefused(res, ["body", "nodes", 1, "config", "paths", 0], "__proto__");
  });

  it("a destination condition or mapping: 422 naming the field", async () => {
    const resource = await rt.admin<{ id: string }>("POST", "/api/v1/resources", {
      name: "hook",
      credentials: { url: "https://example.com/hook" },
    });
    expect(resource.status).toBe(201);
    const destination = (extra: Record<string, unknown>) =>
      rt.admin("POST", "/api/v1/destinations", { name: "d", resource: { id: resource.body.id }, ...extra });
    expectRefused(
      await destination({ condition: "profile@__proto__.x == 1" }),
      ["body", "condition"],
      "__proto__",
    );
    expectRefused(
      await destination({ mapping: { a: "profile@traits.__proto__", b: ["x {{event@prototype}}"] } }),
      ["body", "mapping", "a"],
      "__proto__",
    );
    expectRefused(
      await destination({ mapping: { a: "profile@id", b: ["x {{event@prototype}}"] } }),
      ["body", "mapping", "b", 0],
      "prototype",
    );
    expect((await rt.admin<{ total: number }>("GET", "/api/v1/destinations")).body.total).toBe(0);
  });

  it("events keep being stored and mapped afterwards", async () => {
    const mapping = await rt.admin("POST", "/api/v1/event-to-profile-mappings", {
      event_type: "sign-up",
      event_to_profile: [
        { event: { value: "properties.plan" }, op: "equals", profile: { value: "traits.plan" } },
      ],
    });
    expect(mapping.status).toBe(201);
    const { profile, event } = await trackAndRead("sign-up", { plan: "gold" });
    expect(event?.metadata.messages).toEqual([]);
    expect((await rt.profile(profile)).body).toMatchObject({ traits: { plan: "gold" } });
  });
});

describe("a path built at run time", () => {
  it("is an error recorded on its event; the event and later ones are stored", async () => {
    const flow = await rt.admin<{ id: string }>("POST", "/api/v1/flows", {
      name: "interest from the event",
      nodes: [start, { id: "interest", type: "add-interest", config: { interest: "event@properties.name" } }],
      edges: [from("start", "interest")],
    });
    expect(flow.status).toBe(201);
    const rule = await rt.admin("POST", "/api/v1/rules", {
      name: "interests",
      source: { id: "shop" },
      event_type: { id: "interest" },
      flow: { id: flow.body.id },
    });
    expect(rule.status).toBe(201);
    const hostile = await trackAndRead("interest", { name: "__proto__" });
    expect(hostile.event?.metadata.messages).toEqual([
      expect.stringMatching(/node interest: interest must be .*got "__proto__"/),
    ]);
    const fine = await trackAndRead("interest", { name: "shoes" });
    expect(fine.event?.metadata.messages).toEqual([]);
    expect((await rt.profile(fine.profile)).body).toMatchObject({ interests: { shoes: 1 } });
  });
});
