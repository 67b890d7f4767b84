import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acknowledged, expectExactlyOnce, load, loadLoops } from "../crash-load.js";
import { eventually, type RuntimeProcess, sleep } from "../harness.js";
import { Topology } from "./topology.js";

// The crash test's twin on the production topology: a public API, the private API, a collector
// worker and a background worker as separate processes over Pulsar, MariaDB and OpenSearch. The
// public API is SIGKILLed under load and the collector worker mid-batch; after restarts, every
// acknowledged event is stored exactly once and every checkout counted exactly once.
const SOURCE = "crash-site";
const LOOPS = 16;
let topology: Topology;
const launch = (args: string[]) => topology.launch(args);

beforeAll(async () => {
  topology = await Topology.start("crash");
}, 20 * 60_000);

afterAll(async () => topology?.close());

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
      const loops = loadLoops(LOOPS);

      // 1. The public API dies under load (no collector yet, so a backlog builds up for step 2).
      let killed = false;
      const api = publicApi;
      const running = loops.map((loop) => load(api, SOURCE, loop, () => killed));
      await acknowledged(loops, 150);
      await publicApi.kill("SIGKILL");
      killed = true;
      await Promise.all(running);
      expect(loops.reduce((n, l) => n + l.acked.size, 0)).toBeGreaterThan(100);

      // A new public API takes more load; its payloads queue behind the first ones.
      publicApi = await launch(["api", "--role", "public"]);
      let stopped = false;
      const api2 = publicApi;
      const more = loops.map((loop) => load(api2, SOURCE, loop, () => stopped));
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

      await topology.explained(() =>
        eventually(async () => {
          expect(await backlog(privateApi, "collector")).toBe(0);
          expect(await backlog(privateApi, "storage")).toBe(0);
        }, 180_000),
      );

      for (const loop of loops) {
        if (loop.profileId === null) continue;
        const stored = await eventually(async () => {
          const res = await privateApi.events(`profile=${loop.profileId}&limit=1000`);
          const ids = new Set(res.body.items.map((e) => e.id));
          expect([...loop.acked].filter((id) => !ids.has(id))).toEqual([]);
          return res.body;
        }, 60_000);
        expectExactlyOnce(loop, stored, await privateApi.profile(loop.profileId));
      }
    },
    10 * 60_000,
  );
});
