import type { ResultSetHeader, RowDataPacket } from "mysql2/promise";
import { type EventIdRow, judgeEventId } from "../../domain/event-ids.js";
import {
  claimAllowed,
  type VersionClaim,
  type VersionConflict,
  type VersionedDoc,
  type VersionRow,
} from "../../domain/versions.js";
import type { EventIdClaim, EventIdVerdict, IdentityIndex, SessionBinding } from "../../ports/store.js";
import { RecentMap } from "../embedded/recent.js";
import { type MysqlPool, mysqlError, runStatement, withConnection } from "./pool.js";

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS tracardi_identity_profiles (
     id VARBINARY(1024) NOT NULL PRIMARY KEY,
     canonical VARBINARY(1024) NOT NULL,
     KEY tracardi_identity_canonical (canonical)
   )`,
  `CREATE TABLE IF NOT EXISTS tracardi_identity_sessions (
     id VARBINARY(1024) NOT NULL PRIMARY KEY,
     profile_id VARBINARY(1024) NULL
   )`,
  // Client event ids and their first owner (a hash of source and profile or session), for good.
  `CREATE TABLE IF NOT EXISTS tracardi_event_ids (
     id VARBINARY(1024) NOT NULL PRIMARY KEY,
     owner VARBINARY(64) NOT NULL,
     task VARBINARY(64) NOT NULL,
     at BIGINT NOT NULL
   )`,
  // The newest version a collector claimed of each profile and session (domain/versions.ts).
  `CREATE TABLE IF NOT EXISTS tracardi_document_versions (
     doc VARBINARY(1100) NOT NULL PRIMARY KEY,
     version BIGINT NOT NULL,
     task VARBINARY(128) NOT NULL
   )`,
  // Deliveries made, for the dedupe window.
  `CREATE TABLE IF NOT EXISTS tracardi_deliveries (
     id VARBINARY(64) NOT NULL PRIMARY KEY,
     at BIGINT NOT NULL,
     KEY tracardi_deliveries_at (at)
   )`,
];

/** Deliveries older than the window are deleted once per this many recorded. */
const FORGET_EVERY = 1000;

/** Cached lookups expire quickly: merges made by other processes must show up. */
const CACHE_TTL_MS = 2000;

/**
 * The identity index in MySQL, shared by every API replica: a new session is claimed with one
 * INSERT IGNORE, so concurrent first requests in different processes agree on its profile.
 * Registrations and re-bindings are written in the background; `persisted()` waits for them.
 */
export class MysqlIdentityIndex implements IdentityIndex {
  private readonly pendingProfiles = new Set<string>();
  private readonly pendingSessions = new Map<string, string | null>();
  private readonly canonical = new RecentMap<string>(100_000, CACHE_TTL_MS);
  private readonly bindings = new RecentMap<string | null>(100_000, CACHE_TTL_MS);
  private readonly writes = new Set<Promise<void>>();
  /** Profile registrations still being written, by profile id. */
  private readonly registrations = new Map<string, Promise<void>>();
  private deliveriesRecorded = 0;

  constructor(private readonly db: MysqlPool) {}

  async resolveProfile(id: string): Promise<string | null> {
    if (this.pendingProfiles.has(id)) return id;
    const cached = this.canonical.get(id);
    if (cached !== undefined) return cached;
    const rows = await this.query<RowDataPacket[]>(
      "SELECT canonical FROM tracardi_identity_profiles WHERE id = ?",
      [id],
    );
    const found = rows[0] ? text(rows[0].canonical) : null;
    if (found !== null) this.canonical.set(id, found);
    return found;
  }

  async session(sessionId: string): Promise<SessionBinding | null> {
    if (this.pendingSessions.has(sessionId))
      return { profileId: this.pendingSessions.get(sessionId) ?? null };
    const cached = this.bindings.get(sessionId);
    if (cached !== undefined) return { profileId: cached };
    const profileId = await this.storedBinding(sessionId);
    if (profileId === undefined) return null;
    this.bindings.set(sessionId, profileId);
    return { profileId };
  }

  registerProfile(id: string): void {
    this.pendingProfiles.add(id);
    const written = this.write(
      "INSERT IGNORE INTO tracardi_identity_profiles (id, canonical) VALUES (?, ?)",
      [id, id],
      () => this.pendingProfiles.delete(id),
    );
    this.registrations.set(id, written);
    written.then(
      () => this.registrations.delete(id),
      () => this.registrations.delete(id),
    );
  }

  async claimSession(sessionId: string, profileId: string | null): Promise<string | null> {
    // Other processes that find this binding must also find its profile: register it first.
    if (profileId !== null) await this.registrations.get(profileId);
    const inserted = await this.query<ResultSetHeader>(
      "INSERT IGNORE INTO tracardi_identity_sessions (id, profile_id) VALUES (?, ?)",
      [sessionId, profileId],
    );
    const bound = inserted.affectedRows === 1 ? profileId : ((await this.storedBinding(sessionId)) ?? null);
    this.bindings.set(sessionId, bound);
    return bound;
  }

  bindSession(sessionId: string, profileId: string | null): void {
    this.pendingSessions.set(sessionId, profileId);
    this.bindings.set(sessionId, profileId);
    this.write(
      "INSERT INTO tracardi_identity_sessions (id, profile_id) VALUES (?, ?) ON DUPLICATE KEY UPDATE profile_id = VALUES(profile_id)",
      [sessionId, profileId],
      () => {
        if (this.pendingSessions.get(sessionId) === profileId) this.pendingSessions.delete(sessionId);
      },
    );
  }

  async persisted(): Promise<void> {
    await Promise.all(this.writes);
  }

  refresh(): void {
    this.canonical.clear();
    this.bindings.clear();
  }

  /**
   * INSERT IGNORE decides the first owner of each id across processes; an owner re-sending after
   * the window takes the row over only if it still holds the task read (else it is a duplicate).
   */
  async claimEventIds(claims: EventIdClaim[], now: number, windowMs: number): Promise<EventIdVerdict[]> {
    if (claims.length === 0) return [];
    const ids = [...new Set(claims.map((c) => c.id))];
    const values = claims.flatMap((c) => [c.id, c.owner, c.task, String(now)]);
    await this.query<ResultSetHeader>(
      `INSERT IGNORE INTO tracardi_event_ids (id, owner, task, at) VALUES ${claims.map(() => "(?, ?, ?, ?)").join(", ")}`,
      values,
    );
    const rows = await this.query<RowDataPacket[]>(
      `SELECT id, owner, task, at FROM tracardi_event_ids WHERE id IN (${ids.map(() => "?").join(", ")})`,
      ids,
    );
    const found = new Map<string, EventIdRow>(
      rows.map((r) => [
        text(r.id) ?? "",
        { owner: text(r.owner) ?? "", task: text(r.task) ?? "", at: Number(r.at) },
      ]),
    );
    const verdicts: EventIdVerdict[] = [];
    for (const claim of claims) {
      const row = found.get(claim.id) ?? null;
      const { verdict, write } = judgeEventId(row, claim, now, windowMs);
      if (write === "renew" && row) {
        const renewed = await this.query<ResultSetHeader>(
          "UPDATE tracardi_event_ids SET task = ?, at = ? WHERE id = ? AND task = ?",
          [claim.task, String(now), claim.id, row.task],
        );
        verdicts.push(renewed.affectedRows === 1 ? "first" : "duplicate");
        continue;
      }
      // Inserted above (a row the SELECT did not find was taken by nobody: cannot happen after INSERT IGNORE).
      verdicts.push(verdict);
    }
    return verdicts;
  }

  /**
   * One transaction: the rows are read FOR UPDATE, so two processes claiming one document are
   * serialised by InnoDB; a deadlock between two first claims (gap locks) is tried again.
   */
  async claimVersions(claims: VersionClaim[]): Promise<VersionConflict[]> {
    if (claims.length === 0) return [];
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.claimVersionsOnce(claims);
      } catch (error) {
        if (attempt >= 5 || !isLockContention(error)) throw error;
      }
    }
  }

  private claimVersionsOnce(claims: VersionClaim[]): Promise<VersionConflict[]> {
    const docs = claims.map((c) => c.doc);
    return withConnection(this.db, `MySQL at ${this.db.where} (identity)`, async (connection) => {
      try {
        await connection.beginTransaction();
        const [rows] = await connection.execute<RowDataPacket[]>(
          `SELECT doc, version, task FROM tracardi_document_versions WHERE doc IN (${docs.map(() => "?").join(", ")}) FOR UPDATE`,
          docs,
        );
        const found = new Map<string, VersionRow>(
          rows.map((r) => [text(r.doc) ?? "", { version: Number(r.version), task: text(r.task) ?? "" }]),
        );
        const conflicts = claims
          .filter((claim) => !claimAllowed(found.get(claim.doc) ?? null, claim))
          .map((claim) => ({
            doc: claim.doc,
            version: found.get(claim.doc)?.version ?? 0,
            task: found.get(claim.doc)?.task,
          }));
        if (conflicts.length > 0) {
          await connection.rollback();
          return conflicts;
        }
        await connection.execute(
          `INSERT INTO tracardi_document_versions (doc, version, task) VALUES ${claims.map(() => "(?, ?, ?)").join(", ")}
           ON DUPLICATE KEY UPDATE version = VALUES(version), task = VALUES(task)`,
          claims.flatMap((c) => [c.doc, String(c.from + 1), c.task]),
        );
        await connection.commit();
        return [];
      } catch (error) {
        await connection.rollback().catch(() => {});
        throw error;
      }
    });
  }

  async releaseVersion(doc: VersionedDoc, claimed: number, to: number): Promise<boolean> {
    const released = await this.query<ResultSetHeader>(
      "UPDATE tracardi_document_versions SET version = ?, task = '' WHERE doc = ? AND version = ?",
      [String(to), doc, String(claimed)],
    );
    return released.affectedRows === 1;
  }

  async delivered(deliveryId: string, now: number, windowMs: number): Promise<boolean> {
    const rows = await this.query<RowDataPacket[]>(
      "SELECT 1 FROM tracardi_deliveries WHERE id = ? AND at >= ?",
      [deliveryId, String(now - windowMs)],
    );
    return rows.length > 0;
  }

  async recordDelivery(deliveryId: string, now: number, windowMs: number): Promise<void> {
    await this.query<ResultSetHeader>(
      "INSERT INTO tracardi_deliveries (id, at) VALUES (?, ?) ON DUPLICATE KEY UPDATE at = VALUES(at)",
      [deliveryId, String(now)],
    );
    if (++this.deliveriesRecorded % FORGET_EVERY === 0)
      await this.query<ResultSetHeader>("DELETE FROM tracardi_deliveries WHERE at < ? LIMIT 10000", [
        String(now - windowMs),
      ]);
  }

  async alias(aliasId: string, survivorId: string): Promise<void> {
    this.canonical.clear();
    await withConnection(this.db, `MySQL at ${this.db.where} (identity)`, async (connection) => {
      try {
        await connection.beginTransaction();
        await connection.execute("UPDATE tracardi_identity_profiles SET canonical = ? WHERE canonical = ?", [
          survivorId,
          aliasId,
        ]);
        const upsert =
          "INSERT INTO tracardi_identity_profiles (id, canonical) VALUES (?, ?) ON DUPLICATE KEY UPDATE canonical = VALUES(canonical)";
        await connection.execute(upsert, [aliasId, survivorId]);
        await connection.execute(upsert, [survivorId, survivorId]);
        await connection.commit();
      } catch (error) {
        await connection.rollback().catch(() => {});
        throw error;
      }
    });
  }

  /** The stored binding: a profile id, null (a profile-less session), or undefined (no such session). */
  private async storedBinding(sessionId: string): Promise<string | null | undefined> {
    const rows = await this.query<RowDataPacket[]>(
      "SELECT profile_id FROM tracardi_identity_sessions WHERE id = ?",
      [sessionId],
    );
    return rows[0] ? text(rows[0].profile_id) : undefined;
  }

  private write(sql: string, params: (string | null)[], done: () => void): Promise<void> {
    const write = this.query<ResultSetHeader>(sql, params).then(done, (error: unknown) => {
      done();
      throw error;
    });
    this.writes.add(write);
    // Nobody may be waiting: keep a failed write from becoming an unhandled rejection.
    write.then(
      () => this.writes.delete(write),
      () => this.writes.delete(write),
    );
    return write;
  }

  private async query<R extends RowDataPacket[] | ResultSetHeader>(
    sql: string,
    params: (string | null)[],
  ): Promise<R> {
    return runStatement<R>(this.db, `MySQL at ${this.db.where} (identity)`, sql, params);
  }
}

/** InnoDB gave up a transaction for another's locks (mysqlError keeps the driver's error as cause). */
function isLockContention(error: unknown): boolean {
  const code = (error as { cause?: { code?: unknown } }).cause?.code;
  return code === "ER_LOCK_DEADLOCK" || code === "ER_LOCK_WAIT_TIMEOUT";
}

function text(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return Buffer.isBuffer(value) ? value.toString("utf8") : String(value);
}

/** Creates the identity tables if they do not exist. */
export async function createIdentityTables(db: MysqlPool): Promise<void> {
  try {
    for (const statement of SCHEMA) await db.pool.query(statement);
  } catch (error) {
    throw mysqlError(`MySQL at ${db.where}: cannot create the identity tables`, error);
  }
}
