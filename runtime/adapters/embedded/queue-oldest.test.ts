import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import type { Outcome } from "../../ports/queue.js";
import { GroupCommit } from "./database.js";
import { EmbeddedQueue } from "./queue.js";
import { TemporaryDatabases } from "./temporary-databases.js";

// When the oldest waiting message was queued: what stall detection reads, on a real SQLite file.
const databases = new TemporaryDatabases("queue-oldest-");
afterEach(databases.cleanup);

function open(dir = databases.dir()) {
  const db = databases.open(dir);
  return {
    db,
    queue: new EmbeddedQueue(db, new GroupCommit(db), {
      maxBacklog: 100,
      pollIntervalMs: 10,
      retryBaseMs: 10_000,
    }),
  };
}

/** Handles one batch of the collector topic with `decide`, then stops consuming. */
function handleOnce(queue: EmbeddedQueue, decide: () => Outcome): Promise<void> {
  return new Promise((resolve) => {
    const subscription = queue.consume(
      "collector",
      (batch) => {
        setImmediate(() => subscription.close().then(resolve));
        return batch.map(decide);
      },
      { maxBatch: 1, maxAttempts: 5 },
    );
  });
}

describe("EmbeddedQueue.oldestWaitingSince", () => {
  it("is null for an empty topic, the first message's queue time while it waits, retries included", async () => {
    const { queue } = open();
    expect(await queue.oldestWaitingSince("collector")).toBeNull();
    const before = Date.now();
    await queue.publish("collector", [{ key: "a", body: 1 }]);
    const first = await queue.oldestWaitingSince("collector");
    expect(first).toBeGreaterThanOrEqual(before);
    expect(first).toBeLessThanOrEqual(Date.now());
    await new Promise((resolve) => setTimeout(resolve, 5));
    await queue.publish("collector", [{ key: "b", body: 2 }]);
    expect(await queue.oldestWaitingSince("storage")).toBeNull();

    // A retried message has waited since it was queued.
    await handleOnce(queue, () => ({ kind: "retry", reason: "not yet" }));
    expect(await queue.oldestWaitingSince("collector")).toBe(first);
  });

  it("moves on to the next message once the oldest is settled", async () => {
    const { queue } = open();
    await queue.publish("collector", [{ key: "a", body: 1 }]);
    const first = await queue.oldestWaitingSince("collector");
    await new Promise((resolve) => setTimeout(resolve, 5));
    await queue.publish("collector", [{ key: "b", body: 2 }]);
    await handleOnce(queue, () => ({ kind: "ack" }));
    expect(await queue.oldestWaitingSince("collector")).toBeGreaterThan(first ?? Number.POSITIVE_INFINITY);
    await handleOnce(queue, () => ({ kind: "dead-letter", reason: "given up" }));
    expect(await queue.oldestWaitingSince("collector")).toBeNull();
  });

  it("gives messages of a file written before queue times were kept the time of the upgrade", async () => {
    const dir = databases.dir();
    const old = new Database(join(dir, "tracardi.sqlite"));
    old.exec(`CREATE TABLE queue_collector (seq INTEGER PRIMARY KEY, key TEXT NOT NULL, body TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0, available_at INTEGER NOT NULL DEFAULT 0, last_error TEXT);
      INSERT INTO queue_collector (key, body) VALUES ('k', '{"n":1}');`);
    old.close();
    const before = Date.now();
    const { queue } = open(dir);
    const since = await queue.oldestWaitingSince("collector");
    expect(since).toBeGreaterThanOrEqual(before);
    expect(await queue.backlog()).toMatchObject({ collector: 1 });
    // New messages carry their own time.
    await queue.publish("storage", [{ key: "k", body: 1 }]);
    expect(await queue.oldestWaitingSince("storage")).toBeGreaterThanOrEqual(before);
  });
});
