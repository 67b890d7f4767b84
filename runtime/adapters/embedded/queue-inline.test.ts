import { afterEach, expect, it } from "vitest";
import type { ForwardMessage, OutgoingMessage } from "../../ports/queue.js";
import { type Db, GroupCommit } from "./database.js";
import { EmbeddedQueue, type InlineConsumer } from "./queue.js";
import { TemporaryDatabases } from "./temporary-databases.js";

// Forwards taken by an inline consumer inside the settling transaction, on a real SQLite file.
const databases = new TemporaryDatabases("queue-inline-");
afterEach(databases.cleanup);

function open() {
  const db = databases.open();
  db.exec("CREATE TABLE written (n INTEGER)");
  const queue = new EmbeddedQueue(db, new GroupCommit(db), {
    maxBacklog: 1000,
    pollIntervalMs: 10,
    retryBaseMs: 30,
  });
  return { db, queue };
}

/** Writes each message's n into `written`; refuses (throws after writing) n = 13; forwards n ≥ 100 to dispatch. */
function recorder(db: Db, committed: number[]): InlineConsumer {
  const insert = db.prepare("INSERT INTO written (n) VALUES (?)");
  return {
    take(message: OutgoingMessage) {
      const n = (message.body as { n: number }).n;
      insert.run(n);
      if (n === 13) throw new Error("refused");
      const forward: ForwardMessage[] = n >= 100 ? [{ topic: "dispatch", key: "d", body: { n } }] : [];
      return { forward, committed: () => committed.push(n) };
    },
    weight: () => 1,
  };
}

async function forwardAll(queue: EmbeddedQueue, ns: number[]): Promise<void> {
  await queue.publish(
    "collector",
    ns.map((n) => ({ key: `k${n}`, body: { n } })),
  );
  await new Promise<void>((resolve) => {
    let seen = 0;
    const subscription = queue.consume<{ n: number }>(
      "collector",
      async (batch) => {
        seen += batch.length;
        if (seen >= ns.length) setImmediate(() => subscription.close().then(resolve));
        return batch.map((d) => ({
          kind: "ack" as const,
          forward: [{ topic: "storage" as const, key: d.key, body: d.body }],
        }));
      },
      { maxBatch: 50, maxAttempts: 3 },
    );
  });
}

const written = (db: Db) =>
  (db.prepare("SELECT n FROM written ORDER BY n").all() as { n: number }[]).map((r) => r.n);

it("takes forwarded messages in the settling transaction instead of queuing them, and queues what they forward", async () => {
  const { db, queue } = open();
  const committed: number[] = [];
  queue.consumeInline("storage", recorder(db, committed));
  await forwardAll(queue, [1, 2, 100]);
  expect(written(db)).toEqual([1, 2, 100]);
  expect(committed).toEqual([1, 2, 100]);
  expect(await queue.backlog()).toMatchObject({ collector: 0, storage: 0, dispatch: 1 });
});

it("undoes a refused message's writes and queues it, with the messages after it (their order)", async () => {
  const { db, queue } = open();
  const committed: number[] = [];
  queue.consumeInline("storage", recorder(db, committed));
  await forwardAll(queue, [1, 13, 2]);
  expect(written(db)).toEqual([1]);
  expect(committed).toEqual([1]);
  expect(await queue.backlog()).toMatchObject({ collector: 0, storage: 2 });
});

it("queues every forward while the topic has messages waiting", async () => {
  const { db, queue } = open();
  const committed: number[] = [];
  await queue.publish("storage", [{ key: "k0", body: { n: 0 } }]);
  queue.consumeInline("storage", recorder(db, committed));
  await forwardAll(queue, [1, 2]);
  expect(written(db)).toEqual([]);
  expect(await queue.backlog()).toMatchObject({ collector: 0, storage: 3 });
});
