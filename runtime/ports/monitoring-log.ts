import type { JsonObject } from "../domain/types.js";

export const LOG_LEVELS = ["info", "warning", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * What a log entry is about: a backend's problem or recovery, a stage's error or restart, a dead
 * letter, a licence transition, a merge.
 */
export const LOG_KINDS = ["backend", "stage", "dead-letter", "licence", "merge"] as const;
export type LogKind = (typeof LOG_KINDS)[number];

/** One major event, as `GET /api/v1/logs` lists it. */
export interface LogEntry {
  id: string;
  /** ISO 8601, UTC, milliseconds. */
  time: string;
  level: LogLevel;
  kind: LogKind;
  /** The process that recorded it (host name and command). */
  process: string;
  message: string;
  details: JsonObject;
}

export interface LogQuery {
  level?: LogLevel;
  kind?: LogKind;
  /** Entries at or after this instant (ISO 8601). */
  since?: string;
  limit: number;
  offset: number;
}

export interface LogPage {
  total: number;
  result: LogEntry[];
}

/** The monitoring log (SQLite embedded, the search engine in distributed mode). */
export interface LogStore {
  /** Writes the entries (an entry written twice, by id, is one entry). */
  write(entries: LogEntry[]): Promise<void>;
  /** Matching entries, newest first, with the count of all that match. */
  list(query: LogQuery): Promise<LogPage>;
  /** Deletes the entries older than `before` (ISO 8601); how many. */
  prune(before: string): Promise<number>;
}
