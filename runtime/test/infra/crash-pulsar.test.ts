import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, RuntimeProcess, type StoredEvent, sleep } from "../harness.js";
import { Topology } from "./topology.js";

// The crash test's twin on the production topology: a public API, the private API, a collector
// worker and a background worker as separate processes over Pulsar, MariaDB and OpenSearch. The
// public API is SIGKILLed under load and the collector worker mid-batch; after restarts, every
// acknowledged event is stored exactly once and every checkout counted exactly once.
const SOURCE = "crash-site";
const LOOPS = 16;
let topology: Topology;
const launch = (args: string[]) => topology.launch(args);

interface LoopState {
  session: string;
  profileId: string | null;
  acked: Set<string>;
  ackedCheckouts: number;
  /** Requests sent but never answered: their events may or may not be stored (at most once). */
  unanswered: string[][];
}

beforeAll(async () => {
  topology = await Topology.start("crash");
}, 20 * 60_000);

afterAll(async () => topology?.close());

/** Sends payloads of 3 page views and a checkout, each event with its own id as its marker. */
async function load(api: RuntimeProcess, loop: LoopState, until: () => boolean): Promise<void> {
  while (!until()) {
    const ids = Array.from({ length: 4 }, () => randomUUID());
    const payload = {
      source: { id: SOURCE },
      session: { id: loop.session },
      ...(loop.profileId ? { profile: { id: loop.profileId } } : {}),
      events: [
        ...ids.slice(0, 3).map((id) => ({ id, type: "page-view", properties: { marker: id } })),
        { id: ids[3], type: "checkout-completed", properties: { marker: ids[3], value: 1 } },
      ],
    };
    try {
      const res = await api.track(payload);
      if (res.status !== 200) throw new Error(`status ${res.status}`);
      loop.profileId = res.body.profile?.id ?? loop.profileId;
      for (const id of ids) loop.acked.add(id);
      loop.ackedCheckouts++;
    } catch {
      loop.unanswered.push(ids);
      if (until()) return; // the server is gone
    }
  }
}

async function backlog(privateApi: RuntimeProcess, topic: "collector" | "storage"): Promise<number> {
  const status = await privateApi.admin<{ queue: { backlog: Record<string, number> } }>(
    "GET",
    "/api/v1/status",
  );
  return status.body.queue.backlog[topic] ?? 0;
}

describe("crash safety over Pulsar, MariaDB and OpenSearch", () => {
  it(
    "stores every acknowledged event exactly once through SIGKILLs of the public API and of a collector mid-batch",
    async () => {
      const privateApi = await launch(["api", "--role", "private"]);
      let publicApi = await launch(["api", "--role", "public"]);
      await privateApi.createSource(SOURCE);
      const loops: LoopState[] = Array.from({ length: LOOPS }, () => ({
        session: randomUUID(),
        profileId: null,
        acked: new Set<string>(),
        ackedCheckouts: 0,
        unanswered: [],
      }));

      // 1. The public API dies under load (no collector yet, so a backlog builds up for step 2).
      let killed = false;
      const api = publicApi;
      const running = loops.map((loop) => load(api, loop, () => killed));
      await sleep(3000);
      await publicApi.kill("SIGKILL");
      killed = true;
      await Promise.all(running);
      expect(loops.reduce((n, l) => n + l.acked.size, 0)).toBeGreaterThan(100);

      // A new public API takes more load; its payloads queue behind the first ones.
      publicApi = await launch(["api", "--role", "public"]);
      let stopped = false;
      const api2 = publicApi;
      const more = loops.map((loop) => load(api2, loop, () => stopped));
      await sleep(1500);
      stopped = true;
      await Promise.all(more);

      // 2. A collector worker dies while it works off the backlog, three times: each kill lands
      // anywhere in a batch (between its forward to storage and its ack, too).
      await launch(["worker", "background"]);
      const before = await backlog(privateApi, "collector");
      expect(before).toBeGreaterThan(50);
      for (const left of [0.8, 0.6, 0.4]) {
        const collector = await launch(["worker", "collector"]);
        await eventually(async () => {
          expect(await backlog(privateApi, "collector")).toBeLessThan(before * left);
        }, 120_000);
        await collector.kill("SIGKILL");
      }
      await launch(["worker", "collector"]);

      await eventually(async () => {
        expect(await backlog(privateApi, "collector")).toBe(0);
        expect(await backlog(privateApi, "storage")).toBe(0);
      }, 180_000);

      for (const loop of loops) {
        if (loop.profileId === null) continue;
        const stored = await eventually(async () => {
          const res = await privateApi.events(`profile=${loop.profileId}&limit=1000`);
          const ids = new Set(res.body.items.map((e) => e.id));
          expect([...loop.acked].filter((id) => !ids.has(id))).toEqual([]);
          return res.body;
        }, 60_000);
        // Exactly once: each marker appears once among the stored events, whatever their ids.
        const markers = new Map<string, number>();
        for (const event of stored.items) {
          const marker = (event as StoredEvent).properties.marker;
          if (typeof marker === "string") markers.set(marker, (markers.get(marker) ?? 0) + 1);
        }
        expect([...markers].filter(([, n]) => n > 1)).toEqual([]);
        const unanswered = new Set(loop.unanswered.flat());
        expect([...markers.keys()].filter((m) => !loop.acked.has(m) && !unanswered.has(m))).toEqual([]);
        // The checkout counter: once per stored checkout, at least once per acknowledged one.
        const profile = await privateApi.profile(loop.profileId);
        const counted = (profile.body as unknown as { data: { metrics: { ltcocc: number } } }).data.metrics
          .ltcocc;
        const storedCheckouts = stored.items.filter((e) => e.type === "checkout-completed").length;
        expect(counted).toBe(storedCheckouts);
        expect(counted).toBeGreaterThanOrEqual(loop.ackedCheckouts);
        expect(counted).toBeLessThanOrEqual(loop.ackedCheckouts + loop.unanswered.length);
      }
    },
    10 * 60_000,
  );
});
