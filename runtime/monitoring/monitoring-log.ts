import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { JsonObject } from "../domain/types.js";
import type { LogEntry, LogKind, LogLevel, LogPage, LogQuery, LogStore } from "../ports/monitoring-log.js";
import { BackendUnavailableError } from "../ports/unavailable.js";
import { describeError } from "../supervision.js";
import { type LogRecord, LogThrottle } from "./throttle.js";

/** One minute per key; at most 120 entries a minute per process. */
const WINDOW_MS = 60_000;
const MAX_PER_WINDOW = 120;
/** Entries waiting while the store cannot be written; the oldest go first beyond this. */
const MAX_PENDING = 1000;
const FLUSH_MS = 1000;
const PRUNE_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** `<host> <command>`: the pod name in Kubernetes, and what the process runs. */
export function processName(thread?: string): string {
  const command = process.argv.slice(2).join(" ") || "runtime";
  return `${hostname()} ${command}${thread ? ` (${thread})` : ""}`;
}

/**
 * Records major events in the monitoring log: rate-limited (LogThrottle), written in the background
 * (recording never waits and never throws), kept while the store cannot be written and written once
 * it can, and pruned after the retention.
 */
export class MonitoringLog {
  private pending: LogEntry[] = [];
  private lost = 0;
  private flushing: Promise<void> | null = null;
  private readonly throttle = new LogThrottle(WINDOW_MS, MAX_PER_WINDOW);
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly store: LogStore,
    readonly process: string,
    private readonly retentionDays: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Starts writing every second and pruning every hour (and now). */
  start(): void {
    const flush = setInterval(() => void this.flush(), FLUSH_MS);
    const prune = setInterval(() => void this.prune(), PRUNE_MS);
    for (const timer of [flush, prune]) timer.unref();
    this.timers.push(flush, prune);
    void this.prune();
  }

  record(level: LogLevel, kind: LogKind, message: string, details: JsonObject = {}, key?: string): void {
    const record: LogRecord = { level, kind, message, details, key: key ?? `${kind}|${level}|${message}` };
    if (this.throttle.admit(record, this.clock())) this.enqueue(record);
  }

  /** What the store holds (entries this process has not written yet are not among them). */
  async list(query: LogQuery): Promise<LogPage> {
    try {
      return await this.store.list(query);
    } catch (error) {
      throw new BackendUnavailableError(`monitoring log cannot be read: ${describeError(error)}`);
    }
  }

  /** Writes what is waiting; on failure it waits for the next try. */
  flush(): Promise<void> {
    this.flushing ??= this.write().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    await this.flush();
  }

  private enqueue(record: LogRecord): void {
    this.pending.push({
      id: randomUUID(),
      time: new Date(record.at ?? this.clock()).toISOString(),
      level: record.level,
      kind: record.kind,
      process: this.process,
      message: record.message,
      details: record.details,
    });
    this.trim();
  }

  private trim(): void {
    const over = this.pending.length - MAX_PENDING;
    if (over > 0) this.lost += this.pending.splice(0, over).length;
  }

  private async write(): Promise<void> {
    for (const summary of this.throttle.sweep(this.clock())) this.enqueue(summary);
    if (this.pending.length === 0) return;
    const batch = this.pending.splice(0);
    try {
      await this.store.write(batch);
      if (this.lost > 0) {
        process.stderr.write(`monitoring log: ${this.lost} entries lost while the store was out of reach\n`);
        this.lost = 0;
      }
    } catch {
      // The store is out of reach (the problem itself is logged as a backend problem): try again later.
      this.pending = [...batch, ...this.pending];
      this.trim();
    }
  }

  private async prune(): Promise<void> {
    if (this.retentionDays === 0) return;
    const before = new Date(this.clock() - this.retentionDays * DAY_MS).toISOString();
    await this.store.prune(before).catch((error: unknown) => {
      process.stderr.write(`monitoring log: pruning failed: ${describeError(error)}\n`);
    });
  }
}
