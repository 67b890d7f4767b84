import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, type RuntimeProcess } from "../harness.js";
import { FaultyProxy } from "./faulty-proxy.js";
import { Topology } from "./topology.js";

// A collector worker scaled to zero and woken again, as the operator's autoscaler does it
// (workers.collector.autoscaling.minReplicas 0), on the real Pulsar, MariaDB and OpenSearch: what the
// public API accepts while no collector runs waits on the collector topic, and the collector that
// starts later processes all of it. The background worker reaches the search cluster through a proxy
// the test can cut, to show what a store the background worker cannot write looks like from outside:
// the collector topic is empty (all the operator's autoscaler reads) while the storage topic holds
// every payload until the store is back.
let topology: Topology;
let search: FaultyProxy;

beforeAll(async () => {
  topology = await Topology.start("wake");
  const url = new URL(topology.search.url);
  search = new FaultyProxy(url.hostname, Number(url.port));
  await search.listen();
}, 20 * 60_000);
afterAll(async () => {
  await topology?.close();
  await search?.close();
});

interface Status {
  queue: { backlog: Record<string, number> };
  pendingStateDocuments: number;
}

const SOURCE = "wake-site";
const VISITORS = 5;
const VIEWS = 4;

async function backlog(privateApi: RuntimeProcess): Promise<Record<string, number>> {
  const status = await privateApi.admin<Status>("GET", "/api/v1/status");
  expect(status.status).toBe(200);
  return status.body.queue.backlog;
}

/** VIEWS page views of each of VISITORS new sessions; the profile id of each session. */
async function trackVisits(publicApi: RuntimeProcess, run: string): Promise<string[]> {
  const sessions = Array.from({ length: VISITORS }, () => randomUUID());
  const profiles = new Map<string, string>();
  for (let n = 0; n < VIEWS; n++) {
    const answers = await Promise.all(
      sessions.map((id) =>
        publicApi.track({
          source: { id: SOURCE },
          session: { id },
          events: [{ type: "page-view", properties: { run, n } }],
        }),
      ),
    );
    answers.forEach((answer, i) => {
      expect(answer.status).toBe(200);
      profiles.set(sessions[i] as string, answer.body.profile?.id as string);
    });
  }
  return [...profiles.values()];
}

async function expectEveryView(privateApi: RuntimeProcess, profiles: string[]): Promise<void> {
  for (const profile of profiles) {
    const views = await privateApi.events(`profile=${profile}&type=page-view`);
    expect(views.body.total, profile).toBe(VIEWS);
    expect(new Set(views.body.items.map((e) => (e.properties as { n: number }).n)).size).toBe(VIEWS);
  }
}

describe("a collector worker woken from zero", () => {
  it("processes what was queued while no collector ran; a store the background cannot write holds it on the storage topic", async () => {
    const privateApi = await topology.launch(["api", "--role", "private"]);
    const publicApi = await topology.launch(["api", "--role", "public"]);
    await topology.launch(["worker", "background"], {
      TRACARDI_SEARCH_URL: `http://127.0.0.1:${search.port}`,
    });
    // The Deployment's first pod, stopped by the scale to zero before anything arrives.
    const first = await topology.launch(["worker", "collector"]);
    await privateApi.createSource(SOURCE);
    await first.stop();

    // At zero: everything accepted waits on the collector topic.
    const before = await trackVisits(publicApi, "zero");
    expect(await backlog(privateApi)).toMatchObject({ collector: VISITORS * VIEWS, storage: 0 });

    // Woken: processed and stored, each view once, nothing left on any topic.
    const collector = await topology.launch(["worker", "collector"]);
    await privateApi.drained(90_000);
    await expectEveryView(privateApi, before);

    // The background worker cannot write: the collector topic drains, the storage topic keeps every
    // payload (retried, never dropped) until the store answers again.
    await search.refuse();
    const during = await trackVisits(publicApi, "outage");
    await eventually(async () => {
      expect(await backlog(privateApi)).toMatchObject({ collector: 0, storage: VISITORS * VIEWS });
    }, 60_000);
    await search.listen();
    await privateApi.drained(90_000);
    await expectEveryView(privateApi, during);
    void collector;
  }, 300_000);
});
