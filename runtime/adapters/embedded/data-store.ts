import type { Profile, Session, TrackedEvent } from "../../domain/types.js";
import { errorMessage } from "../../error-message.js";
import type {
  DataStore,
  DocumentKind,
  EventQuery,
  Page,
  ProfileQuery,
  SessionQuery,
  WriteBatch,
  WriteFailure,
} from "../../ports/store.js";
import type { Db } from "./database.js";
import { processingWrite } from "./write-turns.js";

/** Profiles, sessions and events as JSON documents in the embedded SQLite file. */
export class EmbeddedDataStore implements DataStore {
  private readonly statements;
  /** One write transaction around a function (made once: better-sqlite3 builds a wrapper per call of `transaction`). */
  private readonly writeAll: (body: () => void) => void;
  /** A profile's row and its ids, in a savepoint of their own. */
  private readonly putProfileRows: (profile: Profile, doc: string) => void;

  constructor(private readonly db: Db) {
    this.statements = {
      profile: db.prepare<[string], { doc: string }>("SELECT doc FROM profiles WHERE id = ?"),
      session: db.prepare<[string], { doc: string }>("SELECT doc FROM sessions WHERE id = ?"),
      event: db.prepare<[string], { doc: string }>("SELECT doc FROM events WHERE id = ?"),
      putProfile: db.prepare(
        "INSERT INTO profiles (id, inserted, doc, merge_pending) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, merge_pending = excluded.merge_pending",
      ),
      clearIds: db.prepare("DELETE FROM profile_ids WHERE profile_id = ?"),
      putId: db.prepare("INSERT OR IGNORE INTO profile_ids (id, profile_id) VALUES (?, ?)"),
      deleteProfile: db.prepare("DELETE FROM profiles WHERE id = ?"),
      repointEvents: db.prepare(
        "UPDATE events SET profile_id = @to, doc = json_set(doc, '$.profile.id', @to) WHERE profile_id = @from",
      ),
      repointSessions: db.prepare(
        "UPDATE sessions SET profile_id = @to, doc = json_set(doc, '$.profile.id', @to) WHERE profile_id = @from",
      ),
      marked: db.prepare<[number], { id: string }>("SELECT id FROM profiles WHERE merge_pending = 1 LIMIT ?"),
      putSession: db.prepare(
        "INSERT INTO sessions (id, profile_id, inserted, doc) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET profile_id = excluded.profile_id, doc = excluded.doc",
      ),
      putEvent: db.prepare(
        "INSERT INTO events (id, profile_id, session_id, type, inserted, doc) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET profile_id = excluded.profile_id, session_id = excluded.session_id, doc = excluded.doc",
      ),
    };
    const all = db.transaction((body: () => void) => body());
    this.writeAll = (body) => processingWrite(() => all.immediate(body));
    const s = this.statements;
    this.putProfileRows = db.transaction((p: Profile, doc: string) => {
      const pending = p.metadata.system.aux.auto_merge.length > 0 ? 1 : 0;
      s.putProfile.run(p.id, p.metadata.time.insert, doc, pending);
      s.clearIds.run(p.id);
      for (const id of p.ids) s.putId.run(id, p.id);
    });
  }

  async getProfile(id: string): Promise<Profile | null> {
    return parse<Profile>(this.statements.profile.get(id)?.doc);
  }

  async getSession(id: string): Promise<Session | null> {
    return parse<Session>(this.statements.session.get(id)?.doc);
  }

  async getEvent(id: string): Promise<TrackedEvent | null> {
    return parse<TrackedEvent>(this.statements.event.get(id)?.doc);
  }

  async write(batch: WriteBatch): Promise<WriteFailure[]> {
    return this.writeNow(batch);
  }

  /** `write`, synchronously: inside a transaction of this connection, in a savepoint of it. */
  writeNow(batch: WriteBatch): WriteFailure[] {
    const s = this.statements;
    const failures: WriteFailure[] = [];
    // Each document fails alone: its JSON is made before it is written, a session or an event is
    // one statement (SQLite undoes a failed statement by itself), a profile's rows share a savepoint.
    const put = (kind: DocumentKind, id: string, store: () => void) => {
      try {
        store();
      } catch (error) {
        failures.push({ kind, id, reason: errorMessage(error), permanent: true });
      }
    };
    this.writeAll(() => {
      for (const p of batch.profiles) {
        put("profile", p.id, () => {
          const doc = JSON.stringify(p);
          this.putProfileRows(p, doc);
        });
      }
      for (const x of batch.sessions) {
        put("session", x.id, () => {
          const doc = JSON.stringify(x);
          s.putSession.run(x.id, x.profile?.id ?? null, x.metadata.time.insert, doc);
        });
      }
      for (const e of batch.events) {
        put("event", e.id, () => {
          const doc = JSON.stringify(e);
          s.putEvent.run(
            e.id,
            e.profile?.id ?? null,
            e.session?.id ?? null,
            e.type,
            e.metadata.time.insert,
            doc,
          );
        });
      }
      // After the upserts: documents written in this batch for a merged profile move too.
      for (const { from, to } of batch.merged ?? []) {
        s.repointEvents.run({ to, from });
        s.repointSessions.run({ to, from });
        s.clearIds.run(from);
        s.deleteProfile.run(from);
      }
    });
    return failures;
  }

  async profilesWithIds(ids: string[]): Promise<Profile[]> {
    if (ids.length === 0) return [];
    const rows = this.db
      .prepare(
        `SELECT doc FROM profiles WHERE id IN (SELECT profile_id FROM profile_ids WHERE id IN (${ids.map(() => "?").join(",")}))`,
      )
      .all(...ids) as { doc: string }[];
    return rows.map((r) => JSON.parse(r.doc) as Profile);
  }

  async profilesMarkedForMerge(limit: number): Promise<string[]> {
    return this.statements.marked.all(limit).map((r) => r.id);
  }

  async events(query: EventQuery): Promise<Page<TrackedEvent>> {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (query.profileId !== undefined) {
      where.push("profile_id = ?");
      args.push(query.profileId);
    }
    if (query.sessionId !== undefined) {
      where.push("session_id = ?");
      args.push(query.sessionId);
    }
    if (query.type !== undefined) {
      where.push("type = ?");
      args.push(query.type);
    }
    if (query.valid !== undefined) {
      // JSON true/false extract as 1/0.
      where.push("json_extract(doc, '$.metadata.valid') = ?");
      args.push(query.valid ? 1 : 0);
    }
    // Insert times are ISO 8601 in UTC, so text order is time order.
    if (query.from !== undefined) {
      where.push("inserted >= ?");
      args.push(query.from);
    }
    if (query.to !== undefined) {
      where.push("inserted < ?");
      args.push(query.to);
    }
    return this.page<TrackedEvent>("events", where, args, query);
  }

  async profiles(query: ProfileQuery): Promise<Page<Profile>> {
    const where: string[] = [];
    const args: (string | number | null)[] = [];
    if (query.field !== undefined && query.value !== undefined) {
      const path = jsonPath(query.field);
      const text = String(query.value);
      const number = text.trim() !== "" && Number.isFinite(Number(text)) ? Number(text) : null;
      // A list matches when one of its items does; items and scalars compare as written.
      where.push(`(CASE json_type(doc, ?)
        WHEN 'array' THEN EXISTS (SELECT 1 FROM json_each(doc, ?) item WHERE ${atomMatches("item")})
        ELSE EXISTS (SELECT 1 FROM (SELECT json_type(doc, ?) AS type, json_extract(doc, ?) AS atom) field
                     WHERE ${atomMatches("field")}) END)`);
      args.push(path, path, text, number, text, path, path, text, number, text);
    }
    return this.page<Profile>("profiles", where, args, query);
  }

  async sessions(query: SessionQuery): Promise<Page<Session>> {
    const where: string[] = [];
    const args: string[] = [];
    if (query.profileId !== undefined) {
      where.push("profile_id = ?");
      args.push(query.profileId);
    }
    return this.page<Session>("sessions", where, args, query);
  }

  private page<T>(
    table: "events" | "profiles" | "sessions",
    where: string[],
    args: (string | number | null)[],
    window: { limit: number; offset: number },
  ): Page<T> {
    const clause = where.length > 0 ? `WHERE ${where.join(" AND ")}` : "";
    const total = (
      this.db.prepare(`SELECT COUNT(*) AS n FROM ${table} ${clause}`).get(...args) as { n: number }
    ).n;
    const rows = this.db
      .prepare(`SELECT doc FROM ${table} ${clause} ORDER BY inserted DESC, id LIMIT ? OFFSET ?`)
      .all(...args, window.limit, window.offset) as { doc: string }[];
    return { total, items: rows.map((r) => JSON.parse(r.doc) as T) };
  }
}

function parse<T>(doc: string | undefined): T | null {
  return doc === undefined ? null : (JSON.parse(doc) as T);
}

/** `data.contact.email.main` → `$."data"."contact"."email"."main"`; the caller validates the segments. */
function jsonPath(field: string): string {
  return `$${field
    .split(".")
    .map((segment) => `."${segment.replaceAll('"', "")}"`)
    .join("")}`;
}

/** SQL: `row`'s JSON atom (columns `type`, `atom`) equals the value as written (args: text, number, text). */
function atomMatches(row: string): string {
  return `((${row}.type = 'text' AND ${row}.atom = ?) OR (${row}.type IN ('integer', 'real') AND ${row}.atom = ?) OR (${row}.type IN ('true', 'false') AND ${row}.type = ?))`;
}
