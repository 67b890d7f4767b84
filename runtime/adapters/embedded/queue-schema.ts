import { TOPICS, type Topic } from "../../ports/queue.js";
import type { Db } from "./database.js";

/**
 * One table per topic. Its rowid is the publish order, so a new message costs one B-tree insert and
 * no index: with a shared table, the (topic, seq) index and AUTOINCREMENT's counter page made each
 * /track commit write a third more WAL pages.
 */
export function queueTable(topic: Topic): string {
  return `queue_${topic}`;
}

function topicSchema(topic: Topic): string {
  const table = queueTable(topic);
  return `
CREATE TABLE IF NOT EXISTS ${table} (
  seq INTEGER PRIMARY KEY,
  key TEXT NOT NULL,
  body TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  available_at INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  -- When the message was queued (epoch ms): how long the oldest one waits tells whether a stage stalls.
  enqueued_at INTEGER NOT NULL DEFAULT 0
);
-- Only messages waiting for a retry or a deferral (available_at > 0) are indexed: when each comes due,
-- and per key, whether one of a key's messages waits (its later ones wait behind it).
CREATE INDEX IF NOT EXISTS ${table}_retrying ON ${table} (available_at) WHERE available_at > 0;
CREATE INDEX IF NOT EXISTS ${table}_waiting_keys ON ${table} (key, seq) WHERE available_at > 0;${freshIndex(topic)}
CREATE TRIGGER IF NOT EXISTS ${table}_count AFTER DELETE ON ${table} BEGIN
  UPDATE queue_counts SET n = n - 1 WHERE topic = '${topic}';
END;`;
}

/**
 * The dispatch topic's retrying and deferred messages pile up while a destination is down (thousands
 * of them, mostly older than the new ones): an index of the messages never delayed lets a fetch go
 * straight to those instead of reading past every waiting row. Other topics keep their inserts
 * index-free (a /track commit writes the collector table).
 */
function freshIndex(topic: Topic): string {
  if (topic !== "dispatch") return "";
  const table = queueTable(topic);
  return `\nCREATE INDEX IF NOT EXISTS ${table}_fresh ON ${table} (seq) WHERE available_at = 0;`;
}

/** Creates the queue's tables, moving messages out of the shared table that older files have. */
export function createQueueSchema(db: Db): void {
  db.exec(`
-- Backlog per topic: inserts are counted by the queue once per commit, deletes by each topic's trigger.
CREATE TABLE IF NOT EXISTS queue_counts (topic TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS queue_dead_letters (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  topic TEXT NOT NULL,
  key TEXT NOT NULL,
  body TEXT NOT NULL,
  reason TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  failed_at TEXT NOT NULL
);
-- Listing and counting one topic's dead letters, newest first.
CREATE INDEX IF NOT EXISTS queue_dead_letters_topic ON queue_dead_letters (topic, seq);
${TOPICS.map(topicSchema).join("\n")}`);
  // Immediate: of several processes opening an older file at once, one moves its messages.
  db.transaction(() => {
    addEnqueuedAt(db);
    moveSharedTable(db);
  }).immediate();
  for (const topic of TOPICS)
    db.prepare(
      `INSERT OR IGNORE INTO queue_counts (topic, n) SELECT ?, COUNT(*) FROM ${queueTable(topic)}`,
    ).run(topic);
}

/** Files written before the per-topic tables keep every topic in `queue_messages`. */
function moveSharedTable(db: Db): void {
  const shared = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'queue_messages'");
  if (shared.get() === undefined) return;
  for (const topic of TOPICS)
    db.prepare(
      `INSERT INTO ${queueTable(topic)} (key, body, attempts, available_at, last_error, enqueued_at)
       SELECT key, body, attempts, available_at, last_error, ? FROM queue_messages WHERE topic = ? ORDER BY seq`,
    ).run(Date.now(), topic);
  // The counts already hold these messages: drop the trigger before the table, so none is subtracted.
  db.exec("DROP TRIGGER IF EXISTS queue_counts_delete; DROP TABLE queue_messages;");
}

/**
 * Files written before messages had a queue time get the column; their waiting messages count as
 * queued now (the upgrade), which is the earliest time this process can vouch for.
 */
function addEnqueuedAt(db: Db): void {
  for (const topic of TOPICS) {
    const table = queueTable(topic);
    const columns = db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[];
    if (columns.some((column) => column.name === "enqueued_at")) continue;
    db.exec(`ALTER TABLE ${table} ADD COLUMN enqueued_at INTEGER NOT NULL DEFAULT 0`);
    db.prepare(`UPDATE ${table} SET enqueued_at = ?`).run(Date.now());
  }
}
