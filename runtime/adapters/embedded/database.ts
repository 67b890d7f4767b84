import { closeSync, fdatasync, mkdirSync, openSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { createQueueSchema } from "./queue-schema.js";
import { intakeCommitted, intakeTurn, processingWriteEnded } from "./write-turns.js";

export type Db = Database.Database;

// Documents (profiles, sessions, events) live in rowid tables: their rows are too big for a
// WITHOUT ROWID B-tree keyed by random ids (each insert split and rewrote leaf pages; an event
// cost about twice the time and the file twice the space). Files made before keep their tables.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS identity_profiles (id TEXT PRIMARY KEY, canonical TEXT NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS identity_profiles_canonical ON identity_profiles (canonical);
CREATE TABLE IF NOT EXISTS identity_sessions (id TEXT PRIMARY KEY, profile_id TEXT) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS event_ids (id TEXT PRIMARY KEY, owner TEXT NOT NULL, task TEXT NOT NULL, at INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS document_versions (doc TEXT PRIMARY KEY, version INTEGER NOT NULL, task TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS deliveries (id TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS deliveries_at ON deliveries (at);
CREATE TABLE IF NOT EXISTS profiles (id TEXT PRIMARY KEY, inserted TEXT NOT NULL, doc TEXT NOT NULL, merge_pending INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS profiles_merge_pending ON profiles (merge_pending) WHERE merge_pending = 1;
CREATE TABLE IF NOT EXISTS profile_ids (id TEXT NOT NULL, profile_id TEXT NOT NULL, PRIMARY KEY (id, profile_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS profile_ids_profile ON profile_ids (profile_id);
CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, profile_id TEXT, inserted TEXT NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS sessions_profile ON sessions (profile_id, inserted);
CREATE TABLE IF NOT EXISTS events (
  id TEXT PRIMARY KEY, profile_id TEXT, session_id TEXT, type TEXT NOT NULL, inserted TEXT NOT NULL, doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_profile ON events (profile_id, inserted);
CREATE INDEX IF NOT EXISTS events_session ON events (session_id);
CREATE TABLE IF NOT EXISTS config (kind TEXT NOT NULL, id TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (kind, id)) WITHOUT ROWID;
`;

/**
 * Opens the one SQLite file of the embedded mode, in WAL mode with synchronous=NORMAL: a commit
 * survives a process crash (SIGKILL) at once. Where a commit backs a 2xx, GroupCommit also syncs the
 * WAL to disk before answering, so it survives power loss too.
 */
export function openDatabase(dataDir: string): Db {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, "tracardi.sqlite"));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("busy_timeout = 5000");
  db.pragma("cache_size = -65536");
  createQueueSchema(db);
  db.exec(SCHEMA);
  return db;
}

interface PendingWrite {
  write: () => void;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Collects the writes submitted until the next commit (one event-loop turn, or while a WAL sync runs)
 * and commits them in one transaction, then settles each caller's promise. The writes are plain inserts; if any of them or the commit fails, the whole
 * transaction rolls back and every caller gets the error, so nothing is acknowledged that is not
 * on disk.
 */
export class GroupCommit {
  private pending: PendingWrite[] = [];
  private scheduled = false;
  private taken = 0;
  private readonly commitAll: (batch: PendingWrite[]) => void;

  private readonly walFd: number | null;
  /** Whether an fdatasync is in flight. */
  private syncing = false;

  /**
   * With `syncWal`, the connection runs with synchronous=NORMAL and this class makes each batch
   * durable itself: after the commit it fdatasyncs the WAL on libuv's thread pool, then answers.
   * That is what synchronous=FULL does, minus blocking the event loop during the flush, so the
   * next batch is parsed and committed while this one reaches the disk.
   */
  constructor(db: Db, options: { syncWal: boolean } = { syncWal: false }) {
    const run = db.transaction((batch: PendingWrite[]) => {
      for (const item of batch) item.write();
    });
    this.commitAll = (batch) => run.immediate(batch);
    // "a": the WAL exists once the connection has written; create it (empty) if it has not yet.
    this.walFd = options.syncWal ? openSync(`${db.name}-wal`, "a") : null;
  }

  /** Names the transaction that a write submitted now joins: it changes when pending writes are taken. */
  get batch(): number {
    return this.taken;
  }

  submit(write: () => void): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ write, resolve, reject });
      this.schedule();
    });
  }

  /** Commits what is pending now, synchronously (unless a WAL sync runs: it flushes when it ends). */
  flush(): void {
    this.scheduled = false;
    if (this.syncing) return; // the running sync flushes when it ends
    const batch = this.pending;
    if (batch.length === 0) return;
    // The intake's commits (those synced for a 2xx) take turns with a processing thread's writes.
    if (this.walFd !== null && !intakeTurn()) {
      this.scheduled = true;
      void processingWriteEnded().then(() => this.flush());
      return;
    }
    this.pending = [];
    this.taken++;
    try {
      this.commitAll(batch);
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    } finally {
      if (this.walFd !== null) intakeCommitted();
    }
    if (this.walFd === null) return this.settle(batch, null);
    this.sync(this.walFd, batch);
  }

  /**
   * One fdatasync in flight: it covers the batch committed before it started. Writes submitted while
   * it runs wait and are committed together when it ends: under load, each commit and each sync
   * serves everything that arrived during the previous sync. Two syncs in flight made commits half as
   * big for no more throughput, and each commit costs intake CPU in WAL writes.
   */
  private sync(fd: number, batch: PendingWrite[]): void {
    this.syncing = true;
    fdatasync(fd, (error) => {
      this.syncing = false;
      this.settle(batch, error);
      if (this.pending.length > 0) this.flush();
    });
  }

  private settle(batch: PendingWrite[], error: Error | null): void {
    for (const item of batch) {
      if (error) item.reject(error);
      else item.resolve();
    }
  }

  /** Commits what is pending, waits for the syncs in flight, then lets go of the WAL. */
  async close(): Promise<void> {
    this.flush();
    while (this.syncing || this.pending.length > 0) {
      if (!this.syncing) this.flush();
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    if (this.walFd !== null) closeSync(this.walFd);
  }

  private schedule(): void {
    if (this.scheduled || this.syncing) return; // the running sync flushes when it ends
    this.scheduled = true;
    setImmediate(() => this.flush());
  }
}
