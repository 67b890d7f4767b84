import { afterEach, describe, expect, it } from "vitest";
import type { LogEntry } from "../../ports/monitoring-log.js";
import { EmbeddedLogStore } from "./monitoring-log.js";
import { TemporaryDatabases } from "./temporary-databases.js";

const databases = new TemporaryDatabases("tracardi-log-");
afterEach(databases.cleanup);

const entry = (id: string, time: string, extra: Partial<LogEntry> = {}): LogEntry => ({
  id,
  time,
  level: "error",
  kind: "backend",
  process: "host standalone",
  message: `entry ${id}`,
  details: { id },
  ...extra,
});

describe("EmbeddedLogStore", () => {
  it("lists newest first with filters, and prunes what is older than the retention", async () => {
    const db = databases.open();
    const store = new EmbeddedLogStore(db);
    await store.write([
      entry("a", "2026-01-01T00:00:00.000Z"),
      entry("b", "2026-01-05T00:00:00.000Z", { level: "info", kind: "merge" }),
      entry("c", "2026-01-09T00:00:00.000Z"),
    ]);
    await store.write([entry("c", "2026-01-09T00:00:00.000Z")]);
    const all = await store.list({ limit: 10, offset: 0 });
    expect(all.total).toBe(3);
    expect(all.result.map((e) => e.id)).toEqual(["c", "b", "a"]);
    expect(all.result[0]).toEqual(entry("c", "2026-01-09T00:00:00.000Z"));
    expect((await store.list({ level: "info", limit: 10, offset: 0 })).result.map((e) => e.id)).toEqual([
      "b",
    ]);
    expect((await store.list({ kind: "backend", limit: 1, offset: 1 })).result.map((e) => e.id)).toEqual([
      "a",
    ]);
    expect((await store.list({ since: "2026-01-05T00:00:00.000Z", limit: 10, offset: 0 })).total).toBe(2);
    expect(await store.prune("2026-01-05T00:00:00.000Z")).toBe(1);
    expect((await store.list({ limit: 10, offset: 0 })).result.map((e) => e.id)).toEqual(["c", "b"]);
  });
});
