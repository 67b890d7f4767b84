import type Database from "better-sqlite3";
import { type EventIdRow, judgeEventId } from "../../domain/event-ids.js";
import {
  claimAllowed,
  type VersionClaim,
  type VersionConflict,
  type VersionedDoc,
  type VersionRow,
} from "../../domain/versions.js";
import type { EventIdClaim, EventIdVerdict, IdentityIndex, SessionBinding } from "../../ports/store.js";
import type { Db, GroupCommit } from "./database.js";
import { RecentMap } from "./recent.js";
import { processingWrite } from "./write-turns.js";

/** Deliveries older than the window are deleted once per this many recorded. */
const FORGET_EVERY = 1000;

/**
 * Identity index in the embedded file. New ids are visible to this process at once (pending maps)
 * and become durable in the same group commit as the payload that created them.
 */
export class EmbeddedIdentityIndex implements IdentityIndex {
  private readonly pendingProfiles = new Set<string>();
  private readonly pendingSessions = new Map<string, string | null>();
  private readonly canonical = new RecentMap<string>(100_000, 2000);
  private readonly bindings = new RecentMap<string | null>(100_000, 2000);
  private readonly statements;
  private lastWrite: Promise<void> = Promise.resolve();
  private deliveriesRecorded = 0;

  constructor(
    private readonly db: Db,
    private readonly commits: GroupCommit,
  ) {
    this.claimAll = db.transaction((claims: VersionClaim[]) => this.claimAllNow(claims));
    this.statements = {
      profile: db.prepare<[string], { canonical: string }>(
        "SELECT canonical FROM identity_profiles WHERE id = ?",
      ),
      session: db.prepare<[string], { profile_id: string | null }>(
        "SELECT profile_id FROM identity_sessions WHERE id = ?",
      ),
      insertProfile: db.prepare("INSERT OR IGNORE INTO identity_profiles (id, canonical) VALUES (?, ?)"),
      insertSession: db.prepare("INSERT OR REPLACE INTO identity_sessions (id, profile_id) VALUES (?, ?)"),
      upsertAlias: db.prepare("INSERT OR REPLACE INTO identity_profiles (id, canonical) VALUES (?, ?)"),
      repoint: db.prepare("UPDATE identity_profiles SET canonical = ? WHERE canonical = ?"),
      eventId: db.prepare<[string], EventIdRow>("SELECT owner, task, at FROM event_ids WHERE id = ?"),
      insertEventId: db.prepare("INSERT INTO event_ids (id, owner, task, at) VALUES (?, ?, ?, ?)"),
      renewEventId: db.prepare("UPDATE event_ids SET task = ?, at = ? WHERE id = ?"),
      version: db.prepare<[string], VersionRow>("SELECT version, task FROM document_versions WHERE doc = ?"),
      releaseVersion: db.prepare(
        "UPDATE document_versions SET version = ?, task = '' WHERE doc = ? AND version = ?",
      ),
      putVersion: db.prepare(
        "INSERT OR REPLACE INTO document_versions (doc, version, task) VALUES (?, ?, ?)",
      ),
      delivered: db.prepare<[string, number], { at: number }>(
        "SELECT at FROM deliveries WHERE id = ? AND at >= ?",
      ),
      recordDelivery: db.prepare("INSERT OR REPLACE INTO deliveries (id, at) VALUES (?, ?)"),
      forgetDeliveries: db.prepare("DELETE FROM deliveries WHERE at < ?"),
    };
  }

  async resolveProfile(id: string): Promise<string | null> {
    if (this.pendingProfiles.has(id)) return id;
    const cached = this.canonical.get(id);
    if (cached !== undefined) return cached;
    const found = this.statements.profile.get(id)?.canonical ?? null;
    if (found !== null) this.canonical.set(id, found);
    return found;
  }

  async session(sessionId: string): Promise<SessionBinding | null> {
    if (this.pendingSessions.has(sessionId))
      return { profileId: this.pendingSessions.get(sessionId) ?? null };
    const cached = this.bindings.get(sessionId);
    if (cached !== undefined) return { profileId: cached };
    const row = this.statements.session.get(sessionId);
    if (!row) return null;
    this.bindings.set(sessionId, row.profile_id);
    return { profileId: row.profile_id };
  }

  registerProfile(id: string): void {
    this.pendingProfiles.add(id);
    this.write(() => {
      this.statements.insertProfile.run(id, id);
      this.pendingProfiles.delete(id);
    });
  }

  async claimSession(sessionId: string, profileId: string | null): Promise<string | null> {
    // One process decides for this file, and nothing between the lookup and the binding awaits.
    const existing = await this.session(sessionId);
    if (existing !== null) return existing.profileId;
    this.bindSession(sessionId, profileId);
    return profileId;
  }

  bindSession(sessionId: string, profileId: string | null): void {
    this.pendingSessions.set(sessionId, profileId);
    this.bindings.set(sessionId, profileId);
    this.write(() => {
      this.statements.insertSession.run(sessionId, profileId);
      if (this.pendingSessions.get(sessionId) === profileId) this.pendingSessions.delete(sessionId);
    });
  }

  persisted(): Promise<void> {
    return this.lastWrite;
  }

  /** Writes commit in submission order, so the newest write's commit covers every earlier one. */
  private write(statement: () => void): void {
    const committed = this.commits.submit(statement);
    this.lastWrite = committed;
    // Nobody may be waiting: keep a failed write from becoming an unhandled rejection.
    committed.catch(() => {});
  }

  refresh(): void {
    this.canonical.clear();
  }

  async claimEventIds(claims: EventIdClaim[], now: number, windowMs: number): Promise<EventIdVerdict[]> {
    // One transaction: every process on this file sees a claim whole.
    return this.db
      .transaction(() =>
        claims.map((claim) => {
          const { verdict, write } = judgeEventId(
            this.statements.eventId.get(claim.id) ?? null,
            claim,
            now,
            windowMs,
          );
          if (write === "insert") this.statements.insertEventId.run(claim.id, claim.owner, claim.task, now);
          else if (write === "renew") this.statements.renewEventId.run(claim.task, now, claim.id);
          return verdict;
        }),
      )
      .immediate();
  }

  async claimVersions(claims: VersionClaim[]): Promise<VersionConflict[]> {
    if (claims.length === 0) return [];
    // One immediate transaction: every process on this file sees a claim whole.
    return processingWrite(() => this.claimAll.immediate(claims));
  }

  /** The claims' transaction, made once (better-sqlite3 builds a wrapper per call of `transaction`). */
  private readonly claimAll: Database.Transaction<(claims: VersionClaim[]) => VersionConflict[]>;

  private claimAllNow(claims: VersionClaim[]): VersionConflict[] {
    const conflicts: VersionConflict[] = [];
    for (const claim of claims) {
      const row = this.statements.version.get(claim.doc) ?? null;
      if (!claimAllowed(row, claim))
        conflicts.push({ doc: claim.doc, version: row?.version ?? 0, task: row?.task });
    }
    if (conflicts.length > 0) return conflicts;
    for (const claim of claims) this.statements.putVersion.run(claim.doc, claim.from + 1, claim.task);
    return [];
  }

  async releaseVersion(doc: VersionedDoc, claimed: number, to: number): Promise<boolean> {
    return this.statements.releaseVersion.run(to, doc, claimed).changes === 1;
  }

  async delivered(deliveryId: string, now: number, windowMs: number): Promise<boolean> {
    return this.statements.delivered.get(deliveryId, now - windowMs) !== undefined;
  }

  async recordDelivery(deliveryId: string, now: number, windowMs: number): Promise<void> {
    this.statements.recordDelivery.run(deliveryId, now);
    if (++this.deliveriesRecorded % FORGET_EVERY === 0) this.statements.forgetDeliveries.run(now - windowMs);
  }

  async alias(aliasId: string, survivorId: string): Promise<void> {
    this.canonical.clear();
    this.db
      .transaction(() => {
        this.statements.repoint.run(survivorId, aliasId);
        this.statements.upsertAlias.run(aliasId, survivorId);
        this.statements.upsertAlias.run(survivorId, survivorId);
      })
      .immediate();
  }
}
