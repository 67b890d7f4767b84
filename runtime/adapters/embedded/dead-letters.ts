import type { DeadLetter, DeadLetterFilter, DeadLetterPage, Topic } from "../../ports/queue.js";
import { bodyOrText } from "../../ports/queue-isolation.js";
import type { Db } from "./database.js";

interface DeadLetterRow {
  seq: number;
  topic: Topic;
  key: string;
  body: string;
  reason: string;
  attempts: number;
  failed_at: string;
}

/** The `WHERE` clause and its parameters for a filter; ids are the letters' `seq` numbers. */
function where(filter: DeadLetterFilter): { sql: string; params: (string | number)[] } {
  const clauses: string[] = [];
  const params: (string | number)[] = [];
  if (filter.topic !== undefined) {
    clauses.push("topic = ?");
    params.push(filter.topic);
  }
  if (filter.reason !== undefined) {
    // instr, not LIKE: `%` and `_` in the text are meant literally.
    clauses.push("instr(lower(reason), lower(?)) > 0");
    params.push(filter.reason);
  }
  if (filter.ids !== undefined) {
    const seqs = filter.ids.filter((id) => /^[1-9]\d{0,15}$/.test(id)).map(Number);
    clauses.push("seq IN (SELECT value FROM json_each(?))");
    params.push(JSON.stringify(seqs));
  }
  return { sql: clauses.length > 0 ? `WHERE ${clauses.join(" AND ")}` : "", params };
}

/** A page of matching letters, newest first, with the count of all that match. */
export function pageDeadLetters(
  db: Db,
  filter: DeadLetterFilter,
  window: { limit: number; offset: number },
): DeadLetterPage {
  const { sql, params } = where(filter);
  const total = (
    db.prepare(`SELECT COUNT(*) AS n FROM queue_dead_letters ${sql}`).get(...params) as { n: number }
  ).n;
  const rows = db
    .prepare(`SELECT * FROM queue_dead_letters ${sql} ORDER BY seq DESC LIMIT ? OFFSET ?`)
    .all(...params, window.limit, window.offset) as DeadLetterRow[];
  return { total, items: rows.map(toDeadLetter) };
}

/** The matching letters' seq, topic, key and body, oldest first (the order they are replayed in). */
export function matchingDeadLetters(
  db: Db,
  filter: DeadLetterFilter,
): Pick<DeadLetterRow, "seq" | "topic" | "key" | "body">[] {
  const { sql, params } = where(filter);
  return db
    .prepare(`SELECT seq, topic, key, body FROM queue_dead_letters ${sql} ORDER BY seq`)
    .all(...params) as Pick<DeadLetterRow, "seq" | "topic" | "key" | "body">[];
}

/** Deletes the matching letters; how many. */
export function deleteDeadLetters(db: Db, filter: DeadLetterFilter): number {
  const { sql, params } = where(filter);
  return db.prepare(`DELETE FROM queue_dead_letters ${sql}`).run(...params).changes;
}

function toDeadLetter(row: DeadLetterRow): DeadLetter {
  return {
    id: String(row.seq),
    topic: row.topic,
    key: row.key,
    body: bodyOrText(row.body),
    reason: row.reason,
    attempts: row.attempts,
    failedAt: row.failed_at,
  };
}
