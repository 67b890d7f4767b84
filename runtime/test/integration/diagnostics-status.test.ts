import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { eventually, RuntimeProcess } from "../harness.js";

// What the operator reads from a runtime for its diagnostics: the merge loop's last pass and the
// profiles waiting to be merged (/api/v1/status `merging`), and requests by route and status class
// (/metrics). Real runtime processes over HTTP.
const SALT = "a-salt-of-twenty-chars-or-more";
const running: RuntimeProcess[] = [];
afterAll(async () => Promise.all(running.map((r) => r.stop())));

async function start(env: Record<string, string>): Promise<RuntimeProcess> {
  const rt = await RuntimeProcess.start(env);
  running.push(rt);
  return rt;
}

interface Merging {
  enabled: boolean;
  intervalSeconds: number;
  lastPassAt: string | null;
  lastPassQueued: number;
  lastPassBy: string | null;
  lastError: unknown;
  waiting: number;
  waitingLimit: number;
}
const merging = async (rt: RuntimeProcess) =>
  (await rt.admin<{ merging: Merging }>("GET", "/api/v1/status")).body.merging;

/** Two visitors who sign in with one e-mail: their profiles are marked for merging. */
async function markOne(rt: RuntimeProcess): Promise<void> {
  const email = `${randomUUID()}@example.com`;
  for (const type of ["sign-in", "sign-up"]) {
    const answer = await rt.track({
      source: { id: "web" },
      session: { id: randomUUID() },
      events: [{ type, properties: { email: { main: email } } }],
    });
    expect(answer.status).toBe(200);
  }
  await rt.drained();
}

describe("merging in /api/v1/status", () => {
  it("reports no pass and the waiting profiles while no merge loop runs", async () => {
    const rt = await start({ TRACARDI_MERGE_INTERVAL_MS: "0", TRACARDI_AUTO_PROFILE_MERGING: SALT });
    await rt.createSource("web");
    expect(await merging(rt)).toEqual({
      enabled: true,
      intervalSeconds: 0,
      lastPassAt: null,
      lastPassQueued: 0,
      lastPassBy: null,
      lastError: null,
      waiting: 0,
      waitingLimit: 1000,
    });
    await markOne(rt);
    // Both profiles carry the shared merge key until they are merged.
    expect((await merging(rt)).waiting).toBe(2);
  });

  it("records each pass of the merge loop: when, by whom, at which interval, and how many it queued", async () => {
    const rt = await start({ TRACARDI_MERGE_INTERVAL_MS: "300", TRACARDI_AUTO_PROFILE_MERGING: SALT });
    await rt.createSource("web");
    const before = Date.now();
    await markOne(rt);
    const queued = await eventually(async () => {
      const m = await merging(rt);
      expect(m.lastPassQueued).toBeGreaterThanOrEqual(1);
      return m;
    });
    expect(queued.intervalSeconds).toBe(0.3);
    expect(Date.parse(queued.lastPassAt ?? "")).toBeGreaterThanOrEqual(before - 1000);
    expect(queued.lastPassBy).toEqual(expect.any(String));
    // Once merged, nothing waits and the passes go on.
    const settled = await eventually(async () => {
      const m = await merging(rt);
      expect(m.waiting).toBe(0);
      expect(m.lastPassQueued).toBe(0);
      return m;
    });
    expect(Date.parse(settled.lastPassAt ?? "")).toBeGreaterThan(Date.parse(queued.lastPassAt ?? ""));
  });

  it("says merging is off when TRACARDI_AUTO_PROFILE_MERGING is empty", async () => {
    const rt = await start({ TRACARDI_AUTO_PROFILE_MERGING: "" });
    expect(await merging(rt)).toMatchObject({ enabled: false, waiting: 0, lastPassAt: null });
  });
});

describe("request metrics", () => {
  it("counts requests by API, route pattern and status class, and names the replica", async () => {
    const rt = await start({});
    await rt.createSource("web");
    await rt.track({ source: { id: "web" }, session: { id: randomUUID() }, events: [{ type: "page-view" }] });
    await rt.track({
      source: { id: "nope" },
      session: { id: randomUUID() },
      events: [{ type: "page-view" }],
    });
    await rt.admin("GET", "/api/v1/profiles/does-not-exist");
    const metrics = await (await fetch(`${rt.publicUrl}/metrics`)).text();
    expect(metrics).toContain(
      'tracardi_http_requests_total{api="public",method="POST",route="/track",code="2xx"} 1',
    );
    expect(metrics).toContain(
      'tracardi_http_requests_total{api="public",method="POST",route="/track",code="4xx"} 1',
    );
    expect(metrics).toMatch(
      /tracardi_http_requests_total\{api="private",method="GET",route="\/api\/v1\/profiles\/:id",code="4xx"\} 1/,
    );
    expect(metrics).toMatch(/tracardi_runtime_start_time_seconds\{pod="[^"]+"\} \d+/);
  });
});
