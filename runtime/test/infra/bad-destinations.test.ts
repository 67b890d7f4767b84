import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, RuntimeProcess } from "../harness.js";
import { ensureServer, type ServerInfo } from "./servers.js";

// Issue 10, case 7 over Pulsar, and the age limit of deliveries a destination keeps turning away on
// both queues. Asserts counts and outcomes (what was delivered, what each topic received, why a
// delivery was dead-lettered), not timings: those are in bench/destinations.ts.
interface PulsarInfo extends ServerInfo {
  serviceUrl: string;
  webUrl: string;
}

let pulsar: PulsarInfo;
let partner: Server;
let partnerUrl = "";
const healthy = new Set<string>();
/** Requests the hanging receiver holds, by probe. */
const hanging = new Map<string, Socket>();
/** Receivers under /down-…: requests they answered 500, and whether they are back (then 200). */
const down = new Map<string, { failed: number; back: boolean; delivered: string[] }>();
const runtimes: RuntimeProcess[] = [];
const prefixes: string[] = [];

beforeAll(async () => {
  pulsar = await ensureServer<PulsarInfo>("pulsar");
  partner = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString()) as { data: { probe: string } };
      if (req.url?.startsWith("/hang")) {
        hanging.set(body.data.probe, req.socket);
        return;
      }
      const outage = down.get(req.url ?? "");
      if (outage && !outage.back) {
        outage.failed++;
        res.writeHead(500).end("down");
        return;
      }
      if (outage) outage.delivered.push(body.data.probe);
      if (req.url?.startsWith("/fail")) {
        res.writeHead(500).end("down");
        return;
      }
      healthy.add(body.data.probe);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((ok) => partner.listen(0, "127.0.0.1", ok));
  partnerUrl = `http://127.0.0.1:${(partner.address() as AddressInfo).port}`;
}, 15 * 60_000);

afterAll(async () => {
  for (const socket of hanging.values()) socket.destroy();
  await Promise.all(runtimes.map((rt) => rt.stop()));
  partner?.close();
  const base = `${pulsar.webUrl}/admin/v2/persistent/public/default`;
  const topics = (await (await fetch(base)).json()) as string[];
  const names = topics
    .map((t) => t.split("/").at(-1) ?? "")
    .filter((name) => prefixes.some((prefix) => name.startsWith(prefix)));
  await Promise.all(names.map((name) => fetch(`${base}/${name}?force=true`, { method: "DELETE" })));
});

async function runtime(queue: "embedded" | "pulsar", env: Record<string, string> = {}) {
  const prefix = `baddest-${randomBytes(4).toString("hex")}-`;
  prefixes.push(prefix);
  const pulsarEnv = {
    TRACARDI_QUEUE: "pulsar",
    TRACARDI_PULSAR_URL: pulsar.serviceUrl,
    TRACARDI_PULSAR_WEB_URL: pulsar.webUrl,
    TRACARDI_PULSAR_TOPIC_PREFIX: prefix,
  };
  const rt = await RuntimeProcess.start({
    TRACARDI_HTTP_ALLOW_PRIVATE: "true",
    TRACARDI_DISPATCH_RETRY_BASE_MS: "100",
    ...(queue === "pulsar" ? pulsarEnv : {}),
    ...env,
  });
  runtimes.push(rt);
  await rt.createSource("shop");
  return { rt, prefix };
}

async function destination(rt: RuntimeProcess, path: string, timeoutMs: number, maxAttempts: number) {
  const resource = await rt.admin<{ id: string }>("POST", "/api/v1/resources", {
    name: path,
    credentials: { url: `${partnerUrl}${path}` },
  });
  expect(resource.status).toBe(201);
  const created = await rt.admin("POST", "/api/v1/destinations", {
    name: path,
    resource: { id: resource.body.id },
    event_type: { id: "probe" },
    mapping: { probe: "event@properties.probe" },
    destination: { type: "webhook", init: { timeout_ms: timeoutMs, max_attempts: maxAttempts } },
  });
  expect(created.status).toBe(201);
}

async function sendProbes(rt: RuntimeProcess, count: number): Promise<string[]> {
  const probes = Array.from({ length: count }, () => randomUUID());
  for (const probe of probes) {
    const answer = await rt.track({
      source: { id: "shop" },
      session: { id: randomUUID() },
      events: [{ type: "probe", properties: { probe } }],
    });
    expect(answer.status).toBe(200);
  }
  return probes;
}

/** The broker's count of messages ever published to a topic, and its subscription's backlog. */
async function topicStats(topic: string): Promise<{ published: number; backlog: number }> {
  const response = await fetch(`${pulsar.webUrl}/admin/v2/persistent/public/default/${topic}/stats`);
  expect(response.status, `stats of ${topic}`).toBe(200);
  const stats = (await response.json()) as {
    msgInCounter: number;
    subscriptions: Record<string, { msgBacklog: number }>;
  };
  return { published: stats.msgInCounter, backlog: stats.subscriptions[topic]?.msgBacklog ?? 0 };
}

describe("a bad destination only delays itself, over Pulsar", () => {
  it("delivers every event to a healthy destination beside a failing and a hanging one, whose retries never go back on the dispatch topic", async () => {
    const { rt, prefix } = await runtime("pulsar");
    await destination(rt, "/ok", 10_000, 8);
    await destination(rt, "/fail", 10_000, 100);
    await destination(rt, "/hang", 120_000, 100);
    const probes = await sendProbes(rt, 40);
    await eventually(async () => {
      const missing = probes.filter((probe) => !healthy.has(probe));
      if (missing.length > 0) throw new Error(`${missing.length} of ${probes.length} not delivered yet`);
    }, 60_000);
    // The failing destination retries meanwhile (on the retry topic).
    await eventually(async () => {
      expect((await topicStats(`${prefix}dispatch-retry`)).published).toBeGreaterThan(40);
    }, 30_000);
    // The dispatch topic received each of the 120 deliveries once, and nothing else: a new
    // delivery was never queued behind a retried or deferred one.
    const dispatch = await topicStats(`${prefix}dispatch`);
    expect(dispatch.published).toBe(120);
    // The status backlog counts what waits on the retry topic (the bad destinations' deliveries).
    const status = await rt.admin<{ queue: { backlog: Record<string, number> } }>("GET", "/api/v1/status");
    expect(status.body.queue.backlog.dispatch).toBeGreaterThan(dispatch.backlog);
  });
});

describe("a destination that keeps failing is parked, not hammered", () => {
  for (const queue of ["embedded", "pulsar"] as const) {
    it(`${queue}: after 5 failures in a row it gets one probe at a time, every few seconds at most, and every delivery once it is back`, async () => {
      const { rt } = await runtime(queue);
      const path = `/down-${queue}`;
      const outage = { failed: 0, back: false, delivered: [] as string[] };
      down.set(path, outage);
      await destination(rt, path, 10_000, 100);
      const probes = await sendProbes(rt, 30);
      // Retried each on its own (100 ms base backoff), 30 deliveries would make well over 100
      // requests in 6 s; parked, it gets the 5 that park it and a probe every 0.25–5 s.
      await new Promise((resolve) => setTimeout(resolve, 6000));
      expect(outage.failed).toBeGreaterThanOrEqual(5);
      expect(outage.failed, "requests answered 500 while it was down").toBeLessThan(5 + 15);
      outage.back = true;
      // Nothing was spent: every delivery arrives once the receiver is back, each once.
      await eventually(async () => {
        expect([...outage.delivered].sort()).toEqual([...probes].sort());
      }, 60_000);
    });
  }
});

describe("a delivery its destination keeps turning away is dead-lettered at TRACARDI_DISPATCH_MAX_AGE", () => {
  for (const queue of ["embedded", "pulsar"] as const) {
    it(`${queue}: the deliveries a hanging destination has no slot for are dead-lettered with the reason, not deferred forever`, async () => {
      const { rt } = await runtime(queue, { TRACARDI_DISPATCH_MAX_AGE: "3s" });
      // Never answers within the test: the deliveries it holds stay in flight.
      await destination(rt, `/hang-${queue}`, 120_000, 100);
      const probes = await sendProbes(rt, 12);
      const letters = async () => {
        const page = await rt.admin<{
          total: number;
          items: { reason: string; body: { body: { data: { probe: string } } } }[];
        }>("GET", "/api/v1/dead-letters?topic=dispatch&limit=100");
        return page.body.items;
      };
      // Every delivery is either held by the receiver or dead-lettered for its age, once.
      await eventually(async () => {
        const aged = (await letters()).map((letter) => letter.body.body.data.probe);
        const held = probes.filter((probe) => hanging.has(probe));
        expect(new Set(aged).size).toBe(aged.length);
        expect([...aged, ...held].sort()).toEqual([...probes].sort());
      }, 60_000);
      const all = await letters();
      expect(all.length).toBeGreaterThan(0);
      for (const letter of all)
        expect(letter.reason).toMatch(
          /did not take it within 3 s of it being queued \(TRACARDI_DISPATCH_MAX_AGE\)$/,
        );
    });
  }
});
