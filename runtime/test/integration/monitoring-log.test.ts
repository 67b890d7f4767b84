import type { Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, RuntimeProcess } from "../harness.js";
import {
  type LogPage,
  logsEventually,
  orderDestination,
  refusingReceiver,
  trackOrder,
} from "../monitoring-rig.js";

// Issue 15: major events in the monitoring log (embedded: the SQLite file), listed and filtered at
// GET /api/v1/logs, rate-limited per kind of event.
let rt: RuntimeProcess;
let receiver: Server;

beforeAll(async () => {
  const refusing = await refusingReceiver();
  receiver = refusing.server;
  rt = await RuntimeProcess.start({ TRACARDI_HTTP_ALLOW_PRIVATE: "true" });
  await orderDestination(rt, refusing.url);
}, 60_000);

afterAll(async () => {
  await rt?.stop();
  receiver?.close();
});

describe("GET /api/v1/logs", () => {
  it("records a dead letter once for a run of the same failure, with where and why", async () => {
    for (const order of [1, 2, 3]) await trackOrder(rt, order);
    await eventually(async () => {
      const status = await rt.admin<{ queue: { deadLetters: number } }>("GET", "/api/v1/status");
      expect(status.body.queue.deadLetters).toBe(3);
    }, 30_000);
    const page = await logsEventually(rt, "kind=dead-letter");
    // Three letters with one reason in a minute: one entry (the repeats are summed up a minute later).
    expect(page.total).toBe(1);
    const [entry] = page.result;
    expect(entry).toMatchObject({
      level: "warning",
      kind: "dead-letter",
      details: { stage: "dispatch", topic: "dispatch", attempts: 1 },
    });
    expect(entry?.message).toMatch(/^dispatch: message dead-lettered after 1 attempt: .*400/);
    expect(entry?.process).toMatch(/standalone \(processing thread\)$/);
    expect(entry?.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(entry?.time ?? "")).toBeGreaterThan(Date.now() - 120_000);
    expect(Object.keys(entry ?? {}).sort()).toEqual([
      "details",
      "id",
      "kind",
      "level",
      "message",
      "process",
      "time",
    ]);
  });

  it("filters by level, kind and time, pages, and refuses what it cannot read", async () => {
    await logsEventually(rt, "kind=dead-letter");
    const list = async (query: string) => (await rt.admin<LogPage>("GET", `/api/v1/logs?${query}`)).body;
    expect((await list("level=warning&kind=dead-letter")).total).toBe(1);
    expect((await list("level=error&kind=dead-letter")).total).toBe(0);
    expect((await list("kind=licence")).total).toBe(0);
    expect((await list(`since=${new Date(Date.now() + 60_000).toISOString()}`)).total).toBe(0);
    const all = await list("since=2020-01-01");
    expect(all.total).toBeGreaterThanOrEqual(1);
    const second = await list("limit=1&offset=1");
    expect(second.total).toBe(all.total);
    expect(second.result).toHaveLength(all.total > 1 ? 1 : 0);

    for (const query of ["level=fatal", "kind=disk", "since=yesterday", "limit=0", "limit=1001"]) {
      const refused = await rt.admin<{ detail: { loc: string[] }[] }>("GET", `/api/v1/logs?${query}`);
      expect(refused.status, query).toBe(422);
      expect(refused.body.detail[0]?.loc).toEqual(["query", query.split("=")[0]]);
    }
    const anonymous = await rt.admin("GET", "/api/v1/logs", undefined, null);
    expect(anonymous.status).toBe(401);
  });
});

describe("licence transitions", () => {
  it("records a licence that is not valid when the runtime starts", async () => {
    const unlicensed = await RuntimeProcess.start({ TRACARDI_LICENSE: "TRC1.not.valid" });
    try {
      const page = await logsEventually(unlicensed, "kind=licence");
      expect(page.result[0]).toMatchObject({
        level: "error",
        kind: "licence",
        details: { status: "Invalid" },
      });
      expect(page.result[0]?.message).toMatch(/^licence Invalid: /);
    } finally {
      await unlicensed.stop();
    }
  });
});
