import { describe, expect, it } from "vitest";
import type { LogEntry, LogPage, LogQuery, LogStore } from "../ports/monitoring-log.js";
import { BackendUnavailableError } from "../ports/unavailable.js";
import { MonitoringLog } from "./monitoring-log.js";

/** A store that can be made to fail, as a backend out of reach does. */
class FlakyStore implements LogStore {
  written: LogEntry[] = [];
  prunedBefore: string[] = [];
  down = false;

  async write(entries: LogEntry[]): Promise<void> {
    if (this.down) throw new Error("connect ECONNREFUSED");
    this.written.push(...entries);
  }

  async list(_query: LogQuery): Promise<LogPage> {
    if (this.down) throw new Error("connect ECONNREFUSED");
    return { total: this.written.length, result: this.written };
  }

  async prune(before: string): Promise<number> {
    this.prunedBefore.push(before);
    return 0;
  }
}

describe("MonitoringLog", () => {
  it("keeps entries while the store cannot be written and writes them once it can", async () => {
    const store = new FlakyStore();
    let now = Date.parse("2026-12-02T00:00:00Z");
    const log = new MonitoringLog(store, "host standalone", 7, () => now);
    store.down = true;
    log.record("error", "backend", "MySQL at db:3306 does not answer", { state: "problem" });
    await log.flush();
    expect(store.written).toEqual([]);
    now += 5000;
    log.record("info", "backend", "recovered: MySQL at db:3306 does not answer", { state: "recovered" });
    store.down = false;
    await log.flush();
    expect(store.written.map((e) => [e.time, e.level, e.process, e.message])).toEqual([
      ["2026-12-02T00:00:00.000Z", "error", "host standalone", "MySQL at db:3306 does not answer"],
      ["2026-12-02T00:00:05.000Z", "info", "host standalone", "recovered: MySQL at db:3306 does not answer"],
    ]);
    await log.flush();
    expect(store.written).toHaveLength(2);
  });

  it("prunes entries older than the retention, and never with retention 0", async () => {
    const store = new FlakyStore();
    const now = Date.parse("2026-12-09T12:00:00Z");
    const log = new MonitoringLog(store, "p", 7, () => now);
    log.start();
    await log.close();
    expect(store.prunedBefore).toEqual(["2026-12-02T12:00:00.000Z"]);
    const forever = new FlakyStore();
    const keep = new MonitoringLog(forever, "p", 0, () => now);
    keep.start();
    await keep.close();
    expect(forever.prunedBefore).toEqual([]);
  });

  it("answers a listing it cannot read as the backend being unavailable (503), never a 500", async () => {
    const store = new FlakyStore();
    store.down = true;
    const log = new MonitoringLog(store, "p", 7);
    await expect(log.list({ limit: 10, offset: 0 })).rejects.toBeInstanceOf(BackendUnavailableError);
  });
});
