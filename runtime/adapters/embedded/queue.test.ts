import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type Delivery, inKeyOrder, type Outcome, QueueUnavailableError } from "../../ports/queue.js";
import { type Db, GroupCommit, openDatabase } from "./database.js";
import { EmbeddedQueue } from "./queue.js";

// The embedded queue on a real SQLite file.
const dirs: string[] = [];
const dbs: Db[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) if (db.open) db.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function open(dir = mkdtempSync(join(tmpdir(), "queue-test-")), maxBacklog = 1000) {
  if (!dirs.includes(dir)) dirs.push(dir);
  const db = openDatabase(dir);
  dbs.push(db);
  return {
    dir,
    db,
    queue: new EmbeddedQueue(db, new GroupCommit(db), { maxBacklog, pollIntervalMs: 10, retryBaseMs: 30 }),
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

  it("dead-letters a message after maxAttempts, with the reason", async () => {
    const { queue } = open();
    await queue.publish("collector", [{ key: "a", body: { n: 1 } }]);
    await collect(queue, () => ({ kind: "retry", reason: "broken" }), 3);
    const dead = await queue.deadLetters("collector");
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
