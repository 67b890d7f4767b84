import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, RuntimeProcess } from "../harness.js";

// Issue 10, cases 6 and 7: a hanging or refusing partner delays only its own messages. Asserts
// delivery and storage while the hanging partner still holds its connections, not timings.
let rt: RuntimeProcess;
let partner: Server;
let partnerUrl = "";
let refusingUrl = "";
const healthy = new Set<string>();
const hanging = new Set<Socket>();
/** The flaky receiver hangs until it recovers, then answers 200. */
let flakyRecovered = false;
let flakyRequests = 0;
const flakyDelivered = new Set<string>();

beforeAll(async () => {
  partner = createServer((req, res) => {
    if (req.url?.startsWith("/hang")) {
      // Never answers; counted by request, as a kept-alive socket may have served others before.
      hanging.add(req.socket);
      req.socket.on("close", () => hanging.delete(req.socket));
      return;
    }
    if (req.url?.startsWith("/flaky")) flakyRequests++;
    if (req.url?.startsWith("/flaky") && !flakyRecovered) return;
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString()) as { data: { probe: string } };
      (req.url?.startsWith("/flaky") ? flakyDelivered : healthy).add(body.data.probe);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((ok) => partner.listen(0, "127.0.0.1", ok));
  partnerUrl = `http://127.0.0.1:${(partner.address() as AddressInfo).port}`;
  // A port nothing listens on: connections are refused.
  const closed = createServer();
  await new Promise<void>((ok) => closed.listen(0, "127.0.0.1", ok));
  refusingUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
  await new Promise((ok) => closed.close(ok));
  rt = await RuntimeProcess.start({
    TRACARDI_HTTP_ALLOW_PRIVATE: "true",
    TRACARDI_DISPATCH_RETRY_BASE_MS: "100",
  });
  await rt.createSource("shop");
});
afterAll(async () => {
  for (const socket of hanging) socket.destroy();
  await rt?.stop();
  partner?.close();
});

async function destination(
  name: string,
  url: string,
  eventType: string,
  timeoutMs = 10_000,
  maxAttempts = 8,
) {
  const resource = await rt.admin<{ id: string }>("POST", "/api/v1/resources", {
    name,
    credentials: { url },
  });
  expect(resource.status).toBe(201);
  const created = await rt.admin("POST", "/api/v1/destinations", {
    name,
    resource: { id: resource.body.id },
    event_type: { id: eventType },
    mapping: { probe: "event@properties.probe" },
    destination: { type: "webhook", init: { timeout_ms: timeoutMs, max_attempts: maxAttempts } },
  });
  expect(created.status).toBe(201);
}

const send = (type: string, properties: Record<string, string> = {}, session: string = randomUUID()) =>
  rt.track({ source: { id: "shop" }, session: { id: session }, events: [{ type, properties }] });

describe("a bad destination only delays itself", () => {
  it("delivers every event to a healthy destination while a hanging one holds its connections and a refusing one retries", async () => {
    await destination("healthy", `${partnerUrl}/ok`, "probe");
    await destination("hanging", `${partnerUrl}/hang`, "probe", 120_000);
    await destination("refusing", `${refusingUrl}/down`, "probe");
    const probes = Array.from({ length: 40 }, () => randomUUID());
    for (const probe of probes) expect((await send("probe", { probe })).status).toBe(200);
    await eventually(async () => {
      const missing = probes.filter((probe) => !healthy.has(probe));
      if (missing.length > 0) throw new Error(`${missing.length} of ${probes.length} not delivered yet`);
    }, 30_000);
    // The hanging destination has not let go: the healthy deliveries did not wait for it.
    expect(hanging.size).toBeGreaterThan(0);
    const backlog = await rt.admin<{ queue: { backlog: Record<string, number> } }>("GET", "/api/v1/status");
    expect(backlog.body.queue.backlog.dispatch).toBeGreaterThan(0);
  });
});

describe("a destination that stops answering is parked and probed", () => {
  it("delivers a healthy destination's events while it is parked, and its own backlog once a probe is answered", async () => {
    await destination("healthy-2", `${partnerUrl}/ok`, "flaky");
    // Enough attempts that none is dead-lettered however slow this machine is today.
    await destination("flaky", `${partnerUrl}/flaky`, "flaky", 300, 100);
    const first = Array.from({ length: 10 }, () => randomUUID());
    for (const probe of first) expect((await send("flaky", { probe })).status).toBe(200);
    // A delivery timed out and another was tried: the destination is parked now.
    await eventually(async () => expect(flakyRequests).toBeGreaterThanOrEqual(2), 30_000);
    const second = Array.from({ length: 10 }, () => randomUUID());
    for (const probe of second) expect((await send("flaky", { probe })).status).toBe(200);
    // The healthy destination's deliveries are not behind the parked ones.
    await eventually(async () => {
      const missing = [...first, ...second].filter((probe) => !healthy.has(probe));
      if (missing.length > 0) throw new Error(`${missing.length} healthy deliveries missing`);
    }, 30_000);
    expect(flakyDelivered.size).toBe(0);
    flakyRecovered = true;
    await eventually(async () => {
      const missing = [...first, ...second].filter((probe) => !flakyDelivered.has(probe));
      if (missing.length > 0) throw new Error(`${missing.length} parked deliveries not made yet`);
    }, 60_000);
    const letters = await rt.admin<{ total: number }>("GET", "/api/v1/dead-letters?reason=flaky");
    expect(letters.body.total).toBe(0);
  });
});

describe("a slow remote-call holds only its own profile", () => {
  it("stores other visitors' events while one visitor's remote-call hangs", async () => {
    const flow = await rt.admin<{ id: string }>("POST", "/api/v1/flows", {
      name: "slow partner",
      nodes: [
        { id: "start", type: "start" },
        { id: "call", type: "remote-call", config: { url: `${partnerUrl}/hang-call`, timeout_ms: 120_000 } },
      ],
      edges: [{ source: "start", sourcePort: "payload", target: "call", targetPort: "payload" }],
    });
    expect(flow.status).toBe(201);
    const rule = await rt.admin("POST", "/api/v1/rules", {
      name: "slow partner",
      source: { id: "shop" },
      event_type: { id: "slow" },
      flow: { id: flow.body.id },
      enabled: true,
    });
    expect(rule.status).toBe(201);
    const held = hanging.size;
    // The slow visitor's /track waits a little for its workflow; the test does not wait for it.
    void send("slow", {}, "slow-visitor");
    await eventually(async () => {
      if (hanging.size <= held) throw new Error("remote-call not started yet");
    });
    const sessions = Array.from({ length: 20 }, () => randomUUID());
    for (const session of sessions) expect((await send("page-view", {}, session)).status).toBe(200);
    await eventually(async () => {
      const stored = await Promise.all(
        sessions.map((session) =>
          rt.admin<{ total: number }>("GET", `/api/v1/events?session=${session}&type=page-view`),
        ),
      );
      const missing = stored.filter((res) => res.body.total === 0).length;
      if (missing > 0) throw new Error(`${missing} of ${sessions.length} visitors' events not stored yet`);
    }, 30_000);
    expect(hanging.size).toBeGreaterThan(held);
    const slow = await rt.admin<{ total: number }>("GET", "/api/v1/events?session=slow-visitor");
    expect(slow.body.total).toBe(0);
  });
});
