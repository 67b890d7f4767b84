import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { type Delivery, inKeyOrder, type Outcome, QueueUnavailableError } from "../../ports/queue.js";
import { GroupCommit } from "./database.js";
import { EmbeddedQueue, readySql } from "./queue.js";
import { queueTable } from "./queue-schema.js";
import { TemporaryDatabases } from "./temporary-databases.js";

// The embedded queue on a real SQLite file.
const databases = new TemporaryDatabases("queue-test-");
afterEach(databases.cleanup);

function open(dir = databases.dir(), maxBacklog = 1000) {
  const db = databases.open(dir);
  const commits = new GroupCommit(db);
  return {
    dir,
    db,
    commits,
    queue: new EmbeddedQueue(db, commits, { maxBacklog, pollIntervalMs: 10, retryBaseMs: 30 }),
  };
}

function collect(queue: EmbeddedQueue, decide: (d: Delivery<{ n: number }>) => Outcome, count: number) {
  const seen: Delivery<{ n: number }>[] = [];
  return new Promise<Delivery<{ n: number }>[]>((resolve) => {
    const subscription = queue.consume<{ n: number }>(
      "collector",
      inKeyOrder(async (d) => {
        seen.push(d);
        if (seen.length === count) setImmediate(() => subscription.close().then(() => resolve(seen)));
        return decide(d);
      }),
      { maxBatch: 10, maxAttempts: 3 },
    );
  });
}

describe("EmbeddedQueue", () => {
  it("keeps a published message on disk and delivers it after reopening", async () => {
    const first = open();
    await first.queue.publish("collector", [{ key: "k", body: { n: 1 } }]);
    first.db.close();
    const second = open(first.dir);
    expect(await second.queue.backlog()).toMatchObject({ collector: 1 });
    const got = await collect(second.queue, () => ({ kind: "ack" }), 1);
    expect(got.map((d) => d.body.n)).toEqual([1]);
    expect(await second.queue.backlog()).toMatchObject({ collector: 0 });
  });

  it("retries with backoff, holding back later messages of the same key only", async () => {
    const { queue } = open();
    await queue.publish("collector", [
      { key: "a", body: { n: 1 } },
      { key: "a", body: { n: 2 } },
      { key: "b", body: { n: 3 } },
    ]);
    let failedOnce = false;
    const order = await collect(
      queue,
      (d) => {
        if (d.body.n === 1 && !failedOnce) {
          failedOnce = true;
          return { kind: "retry", reason: "try again" };
        }
        return { kind: "ack" };
      },
      4,
    );
    expect(order.map((d) => `${d.body.n}@${d.attempt}`)).toEqual(["1@1", "3@1", "1@2", "2@1"]);
  });

  it("finds ready messages behind any number held back by a retrying key", async () => {
    const { queue } = open();
    await queue.publish(
      "dispatch",
      Array.from({ length: 200 }, (_, n) => ({ key: "failing", body: { n } })),
    );
    await queue.publish("dispatch", [{ key: "healthy", body: { n: 200 } }]);
    const options = { maxBatch: 10, maxAttempts: 5 };
    const [head] = queue.fetch("dispatch", 1);
    if (!head) throw new Error("nothing fetched");
    queue.settle("dispatch", [head], [{ kind: "retry", reason: "answered 500" }], options);
    const next = queue.fetch("dispatch", 10);
    expect(next.map((row) => row.key)).toEqual(["healthy"]);
  });

  it("keeps a key's later messages behind its waiting one, and hands out the waiting one when its time comes", async () => {
    const { queue } = open();
    await queue.publish("dispatch", [
      { key: "a", body: { n: 1 } },
      { key: "a", body: { n: 2 } },
      { key: "b", body: { n: 3 } },
    ]);
    const options = { maxBatch: 10, maxAttempts: 5, retryBaseMs: 40 };
    const [first] = queue.fetch("dispatch", 1);
    if (!first) throw new Error("nothing fetched");
    queue.settle("dispatch", [first], [{ kind: "retry", reason: "answered 500" }], options);
    const meanwhile = queue.fetch("dispatch", 10);
    expect(meanwhile.map((row) => JSON.parse(row.body).n)).toEqual([3]);
    queue.settle("dispatch", meanwhile, [{ kind: "ack" }], options);
    await new Promise((resolve) => setTimeout(resolve, 60));
    const due = queue.fetch("dispatch", 10);
    expect(due.map((row) => [JSON.parse(row.body).n, row.attempts])).toEqual([
      [1, 1],
      [2, 0],
    ]);
  });

  it("finds the dispatch topic's ready messages through indexes, never reading the waiting ones", () => {
    const { db } = open();
    const table = queueTable("dispatch");
    const plan = db.prepare(`EXPLAIN QUERY PLAN ${readySql(table)}`).all({ now: Date.now() }) as {
      detail: string;
    }[];
    const reads = plan.map((step) => step.detail).filter((detail) => /^(SCAN|SEARCH) /.test(detail));
    expect(reads.length).toBeGreaterThan(0);
    for (const read of reads) expect(read).toMatch(/USING (COVERING )?INDEX/);
  });

  it("settles a key as soon as it is done, while a slow key of the batch still runs", async () => {
    const { queue } = open();
    await queue.publish("dispatch", [
      { key: "slow", body: { n: 1 } },
      { key: "fast", body: { n: 2 } },
    ]);
    let finishSlow = () => {};
    const slowRuns = new Promise<void>((resolve) => {
      finishSlow = resolve;
    });
    const subscription = queue.consume<{ n: number }>(
      "dispatch",
      inKeyOrder(
        async (d) => {
          if (d.key === "slow") await slowRuns;
          return { kind: "ack", forward: [{ topic: "storage", key: d.key, body: d.body }] };
        },
        { concurrentKeys: true },
      ),
      { maxBatch: 10, maxAttempts: 3 },
    );
    while ((await queue.backlog()).storage === 0) await new Promise((r) => setTimeout(r, 5));
    expect(await queue.backlog()).toMatchObject({ dispatch: 1, storage: 1 });
    finishSlow();
    while ((await queue.backlog()).dispatch > 0) await new Promise((r) => setTimeout(r, 5));
    await subscription.close();
    expect(await queue.backlog()).toMatchObject({ dispatch: 0, storage: 2 });
  });

  it("with maxInFlight, one loop takes the next batches while a batch hangs, never two of a key at once", async () => {
    const { queue } = open();
    await queue.publish("dispatch", [
      { key: "hangs", body: { n: 1 } },
      { key: "hangs", body: { n: 2 } },
    ]);
    let finishHang = () => {};
    const hang = new Promise<void>((resolve) => {
      finishHang = resolve;
    });
    const seen: number[] = [];
    const subscription = queue.consume<{ n: number }>(
      "dispatch",
      async (batch) => {
        seen.push(...batch.map((d) => d.body.n));
        if (batch.some((d) => d.body.n === 1)) await hang;
        return batch.map(() => ({ kind: "ack" as const }));
      },
      { maxBatch: 1, maxInFlight: 4, maxAttempts: 3 },
    );
    while (!seen.includes(1)) await new Promise((r) => setTimeout(r, 5));
    await queue.publish("dispatch", [
      { key: "a", body: { n: 3 } },
      { key: "b", body: { n: 4 } },
    ]);
    while ((await queue.backlog()).dispatch > 2) await new Promise((r) => setTimeout(r, 5));
    // Handled while message 1 hangs; its key's message 2 waits for it.
    expect(seen).toEqual([1, 3, 4]);
    finishHang();
    while ((await queue.backlog()).dispatch > 0) await new Promise((r) => setTimeout(r, 5));
    await subscription.close();
    expect(seen).toEqual([1, 3, 4, 2]);
  });

  it("dead-letters a message after maxAttempts, with the reason", async () => {
    const { queue } = open();
    await queue.publish("collector", [{ key: "a", body: { n: 1 } }]);
    await collect(queue, () => ({ kind: "retry", reason: "broken" }), 3);
    const { items: dead } = await queue.deadLetters({ topic: "collector" });
    expect(dead).toHaveLength(1);
    expect(await queue.deadLetterCount()).toBe(1);
    expect(dead[0]).toMatchObject({ topic: "collector", reason: "broken", attempts: 3, body: { n: 1 } });
    expect(await queue.backlog()).toMatchObject({ collector: 0 });
  });

  it("acks and forwards in one step", async () => {
    const { queue } = open();
    await queue.publish("collector", [{ key: "a", body: { n: 1 } }]);
    await collect(
      queue,
      (d) => ({ kind: "ack", forward: [{ topic: "storage", key: d.key, body: { n: d.body.n * 10 } }] }),
      1,
    );
    expect(await queue.backlog()).toMatchObject({ collector: 0, storage: 1 });
  });

  it("commits the publishes of one turn together, on every topic, in publish order", async () => {
    const { queue } = open();
    await queue.publish("collector", [{ key: "a", body: { n: 1 } }]);
    await Promise.all([
      queue.publish("collector", [{ key: "b", body: { n: 2 } }]),
      queue.publish("storage", [{ key: "c", body: { n: 3 } }]),
      queue.publish("collector", [
        { key: "a", body: { n: 4 } },
        { key: "d", body: { n: 5 } },
      ]),
    ]);
    expect(await queue.backlog()).toMatchObject({ collector: 4, storage: 1 });
    const got = await collect(queue, () => ({ kind: "ack" }), 4);
    // Keys are handled in parallel: the queue's order is that of the delivery ids.
    const queued = [...got].sort((x, y) => Number(x.id) - Number(y.id));
    expect(queued.map((d) => d.body.n)).toEqual([1, 2, 4, 5]);
    expect(await queue.backlog()).toMatchObject({ collector: 0, storage: 1 });
  });

  it("rejects the publishes of a commit that failed, and later publishes go through", async () => {
    const { queue, commits } = open();
    const lost = queue.publish("collector", [{ key: "a", body: { n: 1 } }]);
    const broken = commits.submit(() => {
      throw new Error("disk on fire");
    });
    await expect(lost).rejects.toBeInstanceOf(QueueUnavailableError);
    await expect(broken).rejects.toThrow("disk on fire");
    await queue.publish("collector", [{ key: "b", body: { n: 2 } }]);
    expect(await queue.backlog()).toMatchObject({ collector: 1 });
    const got = await collect(queue, () => ({ kind: "ack" }), 1);
    expect(got.map((d) => d.body.n)).toEqual([2]);
  });

  it("takes over the messages and dead letters of a file from before the per-topic tables", async () => {
    const dir = databases.dir();
    const old = new Database(join(dir, "tracardi.sqlite"));
    old.pragma("journal_mode = WAL");
    old.exec(`
      CREATE TABLE queue_messages (seq INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL, key TEXT NOT NULL,
        body TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, available_at INTEGER NOT NULL DEFAULT 0, last_error TEXT);
      CREATE INDEX queue_messages_topic ON queue_messages (topic, seq);
      CREATE TABLE queue_counts (topic TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TRIGGER queue_counts_delete AFTER DELETE ON queue_messages BEGIN
        UPDATE queue_counts SET n = n - 1 WHERE topic = OLD.topic;
      END;
      CREATE TABLE queue_dead_letters (seq INTEGER PRIMARY KEY, topic TEXT NOT NULL, key TEXT NOT NULL, body TEXT NOT NULL,
        reason TEXT NOT NULL, attempts INTEGER NOT NULL, failed_at TEXT NOT NULL);
      INSERT INTO queue_messages (topic, key, body) VALUES ('collector', 'a', '{"n":1}'), ('storage', 's', '{"n":2}');
      INSERT INTO queue_messages (topic, key, body, attempts) VALUES ('collector', 'b', '{"n":3}', 1);
      INSERT INTO queue_counts (topic, n) VALUES ('collector', 2), ('storage', 1);
      INSERT INTO queue_dead_letters VALUES (7, 'dispatch', 'd', '{"n":4}', 'broken', 3, '2026-01-01T00:00:00.000Z');
    `);
    old.close();

    const { db, queue } = open(dir);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
    expect(tables).not.toContain("queue_messages");
    expect(await queue.backlog()).toMatchObject({ collector: 2, storage: 1, dispatch: 0 });
    const got = await collect(queue, () => ({ kind: "ack" }), 2);
    const queued = [...got].sort((x, y) => Number(x.id) - Number(y.id));
    expect(queued.map((d) => `${d.body.n}@${d.attempt}`)).toEqual(["1@1", "3@2"]);
    expect(await queue.backlog()).toMatchObject({ collector: 0, storage: 1 });
    const [letter] = (await queue.deadLetters({ topic: "dispatch" })).items;
    expect(letter).toMatchObject({ id: "7", key: "d", reason: "broken", body: { n: 4 } });
    expect(await queue.replayDeadLetters({ ids: ["7"] })).toBe(1);
    expect(await queue.backlog()).toMatchObject({ dispatch: 1 });
  });

  it("refuses to publish past the backlog bound", async () => {
    const { queue } = open(undefined, 2);
    await queue.publish("collector", [
      { key: "a", body: {} },
      { key: "b", body: {} },
    ]);
    await expect(queue.publish("collector", [{ key: "c", body: {} }])).rejects.toBeInstanceOf(
      QueueUnavailableError,
    );
  });
});
