import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RuntimeProcess } from "../harness.js";
import { ensureServer, type ServerInfo } from "./servers.js";

// The runtime process with profiles, sessions and events in OpenSearch (TRACARDI_STORE=opensearch).
interface OpenSearchInfo extends ServerInfo {
  url: string;
}

let server: OpenSearchInfo;
const PREFIX = `rt${randomBytes(5).toString("hex")}-`;
const running: RuntimeProcess[] = [];

const searchEnv = () => ({
  TRACARDI_STORE: "opensearch",
  TRACARDI_SEARCH_URL: server.url,
  TRACARDI_SEARCH_INDEX_PREFIX: PREFIX,
});

async function start(env: Record<string, string>): Promise<RuntimeProcess> {
  const runtime = await RuntimeProcess.start(env);
  running.push(runtime);
  return runtime;
}

beforeAll(async () => {
  server = await ensureServer<OpenSearchInfo>("opensearch");
}, 15 * 60_000);

afterAll(async () => {
  await Promise.all(running.map((r) => r.stop()));
  if (!server) return;
  for (const kind of ["profile", "session", "event"]) {
    await fetch(`${server.url}/${PREFIX}tracardi-${kind}`, { method: "DELETE" });
  }
});

describe("runtime with its data in OpenSearch", () => {
  it("stores what /track accepted in OpenSearch, where another runtime reads it", async () => {
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

  it("does not start when OpenSearch cannot be reached, and names the URL", async () => {
    const failure = await start({ ...searchEnv(), TRACARDI_SEARCH_URL: "http://127.0.0.1:1" }).then(
      () => null,
      (error: Error) => error.message,
    );
    expect(failure).toMatch(/runtime exited with 1/);
    expect(failure).toContain("127.0.0.1:1");
  });
});
