import type { JsonObject } from "../domain/types.js";
import type { LogKind, LogLevel } from "../ports/monitoring-log.js";

export interface LogRecord {
  level: LogLevel;
  kind: LogKind;
  message: string;
  details: JsonObject;
  /** Records with the same key are one thing happening again (default: level, kind and message). */
  key: string;
  /** When it happened, if not now (a summary is dated by the last repeat it sums up). */
  at?: number;
}

interface KeyWindow {
  since: number;
  repeated: number;
  last: LogRecord;
  lastAt: number;
}

/**
 * Keeps a flapping backend or a storm of failures from flooding the log: per key, the first record of
 * a window is written and the others are counted, then written as one summary (`details.repeated`)
 * once the window ends; and at most `maxPerWindow` records a window in all, the rest counted per kind
 * and summarised the same way. Pure: the caller passes the clock.
 */
export class LogThrottle {
  private readonly keys = new Map<string, KeyWindow>();
  private windowStart = Number.NEGATIVE_INFINITY;
  private written = 0;
  private readonly dropped = new Map<LogKind, number>();

  constructor(
    private readonly windowMs: number,
    private readonly maxPerWindow: number,
  ) {}

  /** Whether to write this record now. */
  admit(record: LogRecord, now: number): boolean {
    if (now - this.windowStart >= this.windowMs) {
      this.windowStart = now;
      this.written = 0;
    }
    const seen = this.keys.get(record.key);
    if (seen && now - seen.since < this.windowMs) {
      seen.repeated++;
      seen.last = record;
      seen.lastAt = now;
      return false;
    }
    this.keys.set(record.key, { since: now, repeated: 0, last: record, lastAt: now });
    if (this.written >= this.maxPerWindow) {
      this.dropped.set(record.kind, (this.dropped.get(record.kind) ?? 0) + 1);
      return false;
    }
    this.written++;
    return true;
  }

  /**
   * Summaries of what was held back in windows that have ended, each dated by its last repeat: of a
   * backend that went down and came back several times, the log then ends with its latest state.
   */
  sweep(now: number): LogRecord[] {
    const summaries: LogRecord[] = [];
    for (const [key, seen] of this.keys) {
      if (now - seen.since < this.windowMs) continue;
      this.keys.delete(key);
      if (seen.repeated === 0) continue;
      const since = new Date(seen.since).toISOString();
      summaries.push({
        ...seen.last,
        message: `${seen.last.message} (${seen.repeated} more since ${since})`,
        details: { ...seen.last.details, repeated: seen.repeated, since },
        at: seen.lastAt,
      });
    }
    if (now - this.windowStart >= this.windowMs) {
      for (const [kind, count] of this.dropped) {
        summaries.push({
          level: "warning",
          kind,
          message: `${count} ${kind} log entries dropped: more than ${this.maxPerWindow} in ${this.windowMs / 1000} s`,
          details: { dropped: count },
          key: `dropped:${kind}`,
          at: now,
        });
      }
      this.dropped.clear();
    }
    return summaries;
  }
}
