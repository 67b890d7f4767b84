import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SearchDiskReport } from "../../adapters/search/disk.js";
import { eventually, RuntimeProcess } from "../harness.js";
import { ensureServer, type ServerInfo, type ServerName } from "./servers.js";

// The runtime process with profiles, sessions and events in a search engine (TRACARDI_STORE).
interface SearchInfo extends ServerInfo {
  url: string;
}

// Elasticsearch 8.x and 9.x (7.17 runs the store tests only: the runtime above the store is the same).
describe.each([
  { engine: "opensearch", name: "opensearch" },
  { engine: "elasticsearch", name: "elasticsearch8" },
  { engine: "elasticsearch", name: "elasticsearch" },
] as { engine: string; name: ServerName }[])("runtime with its data in $name", ({ engine, name }) => {
  let server: SearchInfo;
  const PREFIX = `rt${randomBytes(5).toString("hex")}-`;
  const running: RuntimeProcess[] = [];

  const searchEnv = () => ({
    TRACARDI_STORE: engine,
    TRACARDI_SEARCH_URL: server.url,
    TRACARDI_SEARCH_INDEX_PREFIX: PREFIX,
  });

  async function start(env: Record<string, string>): Promise<RuntimeProcess> {
    const runtime = await RuntimeProcess.start(env);
    running.push(runtime);
    return runtime;
  }

  beforeAll(async () => {
    server = await ensureServer<SearchInfo>(name);
  }, 15 * 60_000);

  afterAll(async () => {
    await Promise.all(running.map((r) => r.stop()));
    if (!server) return;
    for (const kind of ["profile", "session", "event"]) {
      await fetch(`${server.url}/${PREFIX}tracardi-${kind}`, { method: "DELETE" });
    }
  });

  it("stores what /track accepted in the engine, where another runtime reads it", async () => {
    const first = await start(searchEnv());
    await first.createSource("search-site");
    const tracked = await first.track({
      source: { id: "search-site" },
      session: { id: randomUUID() },
      events: [
        { type: "page-view" },
        { type: "sign-in", properties: { email: { main: "ann@example.com" } } },
      ],
    });
    expect(tracked.status).toBe(200);
    const profileId = tracked.body.profile?.id as string;
    await first.drained();

    // The documents are in the OpenSearch indices themselves.
    const count = await fetch(`${server.url}/${PREFIX}tracardi-event/_count`).then(
      (r) => r.json() as Promise<{ count: number }>,
    );
    expect(count.count).toBeGreaterThanOrEqual(2);

    // A runtime with an empty data dir (the source re-created there) reads them through its API.
    const second = await start(searchEnv());
    const profile = await second.profile(profileId);
    expect(profile.status).toBe(200);
    expect(profile.body).toMatchObject({
      id: profileId,
      data: { contact: { email: { main: "ann@example.com" } } },
    });
    const events = await second.events(`profile=${profileId}&type=sign-in`);
    expect(events.body.total).toBe(1);
    expect(events.body.items[0]?.type).toBe("sign-in");
  });

  it("is not ready while the disk watermark keeps an index read-only, and says so", async () => {
    const runtime = await start(searchEnv());
    const index = `${PREFIX}tracardi-event`;
    const block = (on: boolean) =>
      fetch(`${server.url}/${index}/_settings`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ "index.blocks.read_only_allow_delete": on ? true : null }),
      });
    expect((await fetch(`${runtime.publicUrl}/readyz`)).status).toBe(200);
    try {
      // The engine lifts a flood-stage block by itself once the disk is below the watermark (here:
      // always), and its disk monitor may do so inside the wait: set it again until a check sees it.
      await eventually(async () => {
        expect((await block(true)).status).toBe(200);
        await new Promise((r) => setTimeout(r, 2100)); // readiness checks are cached for 2 s
        const blocked = await fetch(`${runtime.publicUrl}/readyz`);
        expect(blocked.status).toBe(503);
        const body = (await blocked.json()) as { reason: string };
        expect(body.reason).toContain("disk watermark");
        expect(body.reason).toContain(index);
        // With what to change: the busiest data node's disk and the watermarks.
        expect(body.reason).toMatch(
          /data node \S+ uses \d+\.\d % of its disk .*; watermarks low \S+, high \S+, flood stage \S+/,
        );
      }, 30_000);
    } finally {
      await block(false);
    }
    await new Promise((r) => setTimeout(r, 2100));
    expect((await fetch(`${runtime.publicUrl}/readyz`)).status).toBe(200);
  });

  it("reports the cluster's disk watermarks and data nodes in /api/v1/status (the operator's SearchDiskPressure)", async () => {
    const runtime = await start(searchEnv());
    const status = await runtime.admin<{ backends: { searchDisk: SearchDiskReport } }>(
      "GET",
      "/api/v1/status",
    );
    const disk = status.body.backends.searchDisk;
    expect(disk.cluster).toBe(server.url);
    expect(disk.nodes.length).toBeGreaterThanOrEqual(1);
    for (const node of disk.nodes) {
      expect(node.totalBytes).toBeGreaterThan(0);
      expect(node.availableBytes).toBeGreaterThan(0);
      expect(node.availableBytes).toBeLessThanOrEqual(node.totalBytes);
    }
    // As the engine reports them (the shared nodes keep their defaults): a percentage each.
    for (const w of [disk.watermarks.low, disk.watermarks.high, disk.watermarks.floodStage]) {
      expect(w.value).toMatch(/^\d+(\.\d+)?%$/);
    }
    expect(disk.readOnlyIndices).toEqual([]);
  });

  it("does not start when the search engine cannot be reached, and names the URL", async () => {
    const failure = await start({ ...searchEnv(), TRACARDI_SEARCH_URL: "http://127.0.0.1:1" }).then(
      () => null,
      (error: Error) => error.message,
    );
    expect(failure).toMatch(/runtime exited with 1/);
    expect(failure).toContain("127.0.0.1:1");
  });
});
