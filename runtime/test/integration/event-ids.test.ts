import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, RuntimeProcess } from "../harness.js";

// Client event ids (issue 11, item 1): an id never replaces another owner's event, the same id
// re-sent by its owner within TRACARDI_DEDUPE_WINDOW is stored, counted, dispatched and run once,
// and a delivery is made once per delivery id across a kill of the processing process.
let rt: RuntimeProcess;
let receiver: Server;
let receiverUrl = "";
/** Calls the receiver got, by Idempotency-Key. */
const calls = new Map<string, number>();
let slowMs = 0;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const key = String(req.headers["idempotency-key"] ?? "none");
      calls.set(key, (calls.get(key) ?? 0) + 1);
      setTimeout(() => res.writeHead(200).end(), slowMs);
    });
  });
  await new Promise<void>((ok) => receiver.listen(0, "127.0.0.1", ok));
  const address = receiver.address();
  receiverUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  rt = await RuntimeProcess.start({ TRACARDI_HTTP_ALLOW_PRIVATE: "true" });
  await rt.createSource("shop");
  const flow = await rt.admin<{ id: string }>("POST", "/api/v1/flows", {
    name: "count purchases",
    nodes: [
      { id: "start", type: "start" },
      { id: "count", type: "increment", config: { path: "profile@traits.purchases", by: 1 } },
    ],
    edges: [{ source: "start", sourcePort: "payload", target: "count", targetPort: "payload" }],
  });
  expect(flow.status, JSON.stringify(flow.body)).toBe(201);
  const rule = await rt.admin("POST", "/api/v1/rules", {
    name: "purchases",
    source: { id: "shop" },
    event_type: { id: "purchase" },
    flow: { id: flow.body.id },
    enabled: true,
  });
  expect(rule.status, JSON.stringify(rule.body)).toBe(201);
  const resource = await rt.admin<{ id: string }>("POST", "/api/v1/resources", {
    name: "receiver",
    credentials: { url: `${receiverUrl}/hook` },
  });
  expect(resource.status, JSON.stringify(resource.body)).toBe(201);
  const destination = await rt.admin("POST", "/api/v1/destinations", {
    name: "purchases",
    resource: { id: resource.body.id },
    source: { id: "shop" },
    event_type: { id: "purchase" },
    mapping: { type: "event@type" },
  });
  expect(destination.status, JSON.stringify(destination.body)).toBe(201);
});
afterAll(async () => {
  await rt?.stop();
  receiver?.close();
});

const send = (
  session: string,
  events: { id?: string; type: string; properties?: object }[],
  profile?: string,
) =>
  rt.track({
    source: { id: "shop" },
    session: { id: session },
    ...(profile ? { profile: { id: profile } } : {}),
    events,
  });

describe("client event ids", () => {
  it("never lets another session's event take over an event id (issue 11 reproduction)", async () => {
    const id = `evt-${randomUUID()}`;
    const victim = await send(`victim-${randomUUID()}`, [{ id, type: "purchase" }]);
    const other = await send(`other-${randomUUID()}`, [{ id, type: "other" }]);
    expect([victim.status, other.status]).toEqual([200, 200]);
    await rt.drained();
    const stored = await rt.admin<{ type: string; profile: { id: string } }>("GET", `/api/v1/events/${id}`);
    expect(stored.status).toBe(200);
    expect(stored.body.type).toBe("purchase");
    expect(stored.body.profile.id).toBe(victim.body.profile?.id);
    // The other's event is kept under an id scoped to it, saying why.
    const theirs = await rt.events(`profile=${other.body.profile?.id}&type=other`);
    expect(theirs.body.total).toBe(1);
    const [event] = theirs.body.items;
    expect(event?.id).not.toBe(id);
    expect(event?.metadata.messages.join(" ")).toContain(`event id ${id} belongs to another profile`);
  });

  it("stores, counts, dispatches and runs the workflow of an id sent three times once", async () => {
    const id = `order-${randomUUID()}`;
    const session = randomUUID();
    const first = await send(session, [{ id, type: "purchase" }]);
    const profile = first.body.profile?.id as string;
    for (let i = 0; i < 2; i++)
      expect((await send(session, [{ id, type: "purchase" }], profile)).status).toBe(200);
    await rt.drained();
    const purchases = await rt.events(`profile=${profile}&type=purchase`);
    expect(purchases.body.items.map((e) => e.id)).toEqual([id]);
    const stored = await rt.profile(profile);
    expect((stored.body as unknown as { traits: { purchases?: number } }).traits.purchases).toBe(1);
    const metrics = await fetch(`${rt.privateUrl}/metrics`, {
      headers: { authorization: `Bearer ${rt.token}` },
    });
    expect(await metrics.text()).toMatch(/tracardi_events_deduplicated_total [1-9]/);
    await eventually(async () => {
      const keys = [...calls.keys()];
      expect(keys.length).toBeGreaterThan(1); // both tests' purchases reached the receiver
    });
    // One call per delivery: no key was called twice.
    expect([...calls].filter(([, n]) => n > 1)).toEqual([]);
  });

  it("calls a destination once per delivery across a kill of the processing process", async () => {
    slowMs = 100;
    const before = calls.size;
    const session = randomUUID();
    const sent = Array.from({ length: 30 }, () => `buy-${randomUUID()}`);
    const first = await send(session, [{ id: sent[0] as string, type: "purchase" }]);
    const profile = first.body.profile?.id as string;
    for (const id of sent.slice(1)) await send(session, [{ id, type: "purchase" }], profile);
    await eventually(async () => expect(calls.size).toBeGreaterThan(before + 2));
    await rt.kill("SIGKILL");
    await rt.launch();
    await rt.drained(60_000);
    await eventually(async () => expect(calls.size).toBe(before + sent.length));
    // A delivery in flight at the kill (answered, not yet recorded) is the only one that may be
    // sent again, with the same Idempotency-Key; at most the 4 a destination has in flight.
    const repeated = [...calls].filter(([, n]) => n > 1);
    expect(repeated.length).toBeLessThanOrEqual(4);
    expect(repeated.every(([, n]) => n === 2)).toBe(true);
  });
});
