import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { eventually, type RuntimeProcess } from "../harness.js";
import { Topology } from "./topology.js";

// Each process does what its name says, over Pulsar, MariaDB and OpenSearch as the operator deploys
// it: the table "process → stages" of docs/architecture.md, asked of the real processes.
let topology: Topology;

beforeAll(async () => {
  topology = await Topology.start("stages");
}, 20 * 60_000);

afterEach(async () => topology?.stopProcesses());
afterAll(async () => topology?.close());

async function stagesOf(process: RuntimeProcess, url = process.healthUrl): Promise<string[]> {
  const res = await fetch(`${url}/stages`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { stages: string[] }).stages.sort();
}

interface Status {
  stages: string[];
  queue: { backlog: Record<string, number> };
}

describe("process → stages over Pulsar", () => {
  it.each([
    [["worker", "collector"], ["collector"]],
    [
      ["worker", "background"],
      ["dispatch", "storage"],
    ],
    [["worker", "apm"], ["merge"]],
  ])("%j runs exactly %j", async (args, expected) => {
    const worker = await topology.launch(args, { TRACARDI_MERGE_INTERVAL_MS: "60000" });
    await eventually(async () => expect(await stagesOf(worker)).toEqual(expected));
  });

  it("the public API runs only the collector stage when the collector worker is off, none when it is on", async () => {
    const inline = await topology.launch(["api", "--role", "public"], {
      TRACARDI_PROCESS_INLINE: "true",
      TRACARDI_MERGE_INTERVAL_MS: "60000",
    });
    expect(await stagesOf(inline, inline.publicUrl)).toEqual(["collector"]);
    expect(inline.logs).toMatch(/stages: collector\n/);
    const withWorker = await topology.launch(["api", "--role", "public"], {
      TRACARDI_PROCESS_INLINE: "false",
    });
    expect(await stagesOf(withWorker, withWorker.publicUrl)).toEqual([]);
  });

  it("the private API runs no stage", async () => {
    const privateApi = await topology.launch(["api", "--role", "private"], {
      TRACARDI_PROCESS_INLINE: "true",
      TRACARDI_MERGE_INTERVAL_MS: "60000",
    });
    expect(await stagesOf(privateApi, privateApi.privateUrl)).toEqual([]);
    expect((await privateApi.admin<Status>("GET", "/api/v1/status")).body.stages).toEqual([]);
  });

  it("with the collector worker off, the public API processes and only the background worker stores", async () => {
    const privateApi = await topology.launch(["api", "--role", "private"]);
    const publicApi = await topology.launch(["api", "--role", "public"], { TRACARDI_PROCESS_INLINE: "true" });
    await privateApi.createSource("stages-site");
    const session = randomUUID();
    const answer = await publicApi.track({
      source: { id: "stages-site" },
      session: { id: session },
      events: [{ type: "page-view" }, { type: "page-view" }],
    });
    expect(answer.status).toBe(200);
    const profile = answer.body.profile?.id as string;
    // Processed by the public API's collector stage, then left for storage: nothing here stores it.
    await eventually(async () => {
      const { backlog } = (await privateApi.admin<Status>("GET", "/api/v1/status")).body.queue;
      expect(backlog.collector).toBe(0);
      expect(backlog.storage).toBeGreaterThan(0);
    }, 30_000);
    expect((await privateApi.events(`profile=${profile}`)).body.total).toBe(0);

    const background = await topology.launch(["worker", "background"]);
    await eventually(async () => {
      const types = (await privateApi.events(`profile=${profile}`)).body.items.map((e) => e.type).sort();
      expect(types).toEqual(["page-view", "page-view", "profile-created", "session-opened", "visit-started"]);
    }, 60_000);
    // Counted once the storage batch is settled, a moment after its events can be read.
    await eventually(async () => {
      const stored = await (await fetch(`${background.healthUrl}/metrics`)).text();
      expect(stored).toMatch(/^tracardi_events_stored_total 5$/m);
    }, 30_000);
  }, 120_000);
});
