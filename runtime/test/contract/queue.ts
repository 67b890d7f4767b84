import { describe, expect, it } from "vitest";
import {
  type BatchHandler,
  type ConsumeOptions,
  type DeadLetter,
  type Delivery,
  inKeyOrder,
  type Outcome,
  type Queue,
  type Topic,
} from "../../ports/queue.js";

/** A queue on a fresh store (fresh topics), which can be closed and opened again on the same store. */
export interface QueueFixture {
  queue: Queue;
  /** Closes the current queue and opens a new one on the same store. */
  reopen(): Promise<Queue>;
  close(): Promise<void>;
}

type Body = { n: number };
type Decide = (delivery: Delivery<Body>) => Outcome | Promise<Outcome>;

const WAIT_MS = 30_000;

/**
 * Consumes `topic` until `count` deliveries were seen (then closes the subscription), with the
 * one-message handler `decide` in key order. Fails, listing what it saw, if they do not come.
 */
export async function consumeUntil(
  queue: Queue,
  topic: Topic,
  count: number,
  decide: Decide,
  options: Partial<ConsumeOptions> = {},
): Promise<Delivery<Body>[]> {
  const seen: Delivery<Body>[] = [];
  let finish: () => void = () => {};
  const enough = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const subscription = queue.consume<Body>(
    topic,
    inKeyOrder(async (delivery) => {
      seen.push(delivery);
      if (seen.length === count) finish();
      return decide(delivery);
    }),
    { maxBatch: 10, maxAttempts: 3, retryBaseMs: 50, retryMaxMs: 400, ...options },
  );
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), WAIT_MS);
  });
  const result = await Promise.race([enough, timeout]);
  clearTimeout(timer);
  await subscription.close();
  if (result === "timeout") {
    throw new Error(`saw ${seen.length} of ${count} deliveries: ${seen.map(describeDelivery).join(" ")}`);
  }
  return seen;
}

/** Consumes `topic` with the batch handler until `done` says so (polled), then closes the subscription. */
async function consumeWhile(
  queue: Queue,
  topic: Topic,
  handler: BatchHandler<Body>,
  done: () => Promise<boolean>,
  options: Partial<ConsumeOptions> = {},
): Promise<void> {
  const subscription = queue.consume<Body>(topic, handler, {
    maxBatch: 10,
    maxAttempts: 2,
    retryBaseMs: 50,
    retryMaxMs: 200,
    ...options,
  });
  try {
    await expect.poll(done, { timeout: WAIT_MS, interval: 100 }).toBe(true);
  } finally {
    await subscription.close();
  }
}

const describeDelivery = (d: Delivery<Body>) => `${d.key}:${d.body.n}@${d.attempt}`;
const ack = (): Outcome => ({ kind: "ack" });
const messages = (key: string, ...ns: number[]) => ns.map((n) => ({ key, body: { n } }));
const poll = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 15_000, interval: 100 });

/** The behaviour every Queue implementation must have; `open` gives a queue on fresh topics. */
export function describeQueueContract(name: string, open: () => Promise<QueueFixture>): void {
  const withQueue = (test: (fixture: QueueFixture) => Promise<void>) => async () => {
    const fixture = await open();
    try {
      await test(fixture);
    } finally {
      await fixture.close();
    }
  };

  describe(`Queue contract: ${name}`, () => {
    it(
      "delivers published messages, counts them in the backlog until acked",
      withQueue(async ({ queue }) => {
        await queue.publish("collector", messages("a", 1, 2, 3));
        await poll(async () => (await queue.backlog()).collector).toBe(3);
        const got = await consumeUntil(queue, "collector", 3, ack);
        expect(got.map((d) => d.body.n)).toEqual([1, 2, 3]);
        expect(got.every((d) => d.topic === "collector" && d.key === "a" && d.attempt === 1)).toBe(true);
        await poll(async () => (await queue.backlog()).collector).toBe(0);
        expect(await queue.deadLetterCount()).toBe(0);
      }),
    );

    it(
      "keeps per-key order across several keys and parallel consumers",
      withQueue(async ({ queue }) => {
        const keys = ["k1", "k2", "k3", "k4", "k5"];
        const published: { key: string; body: Body }[] = [];
        for (let i = 0; i < 20; i++) for (const key of keys) published.push({ key, body: { n: i } });
        await queue.publish("workflow", published);
        const got = await consumeUntil(queue, "workflow", published.length, ack, {
          maxBatch: 7,
          parallel: 2,
        });
        for (const key of keys) {
          const ns = got.filter((d) => d.key === key).map((d) => d.body.n);
          expect(ns, key).toEqual(Array.from({ length: 20 }, (_, i) => i));
        }
        await poll(async () => (await queue.backlog()).workflow).toBe(0);
      }),
    );

    it(
      "retries with growing attempt numbers, holding back only the failing key",
      withQueue(async ({ queue }) => {
        await queue.publish("collector", [...messages("a", 1, 2), ...messages("b", 3)]);
        const got = await consumeUntil(queue, "collector", 5, (d) =>
          d.body.n === 1 && d.attempt < 3 ? { kind: "retry", reason: "not yet" } : ack(),
        );
        const a = got.filter((d) => d.key === "a").map(describeDelivery);
        expect(a).toEqual(["a:1@1", "a:1@2", "a:1@3", "a:2@1"]);
        expect(got.filter((d) => d.key === "b").map(describeDelivery)).toEqual(["b:3@1"]);
        // b was not held up by a's retries.
        expect(got.findIndex((d) => d.key === "b")).toBeLessThan(got.findIndex((d) => d.attempt === 3));
        await poll(async () => (await queue.backlog()).collector).toBe(0);
        expect(await queue.deadLetterCount()).toBe(0);
      }),
    );

    it(
      "defers without counting an attempt",
      withQueue(async ({ queue }) => {
        await queue.publish("dispatch", messages("a", 1));
        const started = Date.now();
        const got = await consumeUntil(queue, "dispatch", 2, (d) =>
          d.attempt === 1 && Date.now() - started < 150 ? { kind: "defer", delayMs: 300 } : ack(),
        );
        expect(got.map(describeDelivery)).toEqual(["a:1@1", "a:1@1"]);
        expect(Date.now() - started).toBeGreaterThanOrEqual(250);
        await poll(async () => (await queue.backlog()).dispatch).toBe(0);
      }),
    );

    it(
      "keeps a message's first queued time across deferrals and retries (its age)",
      withQueue(async ({ queue }) => {
        const before = Date.now();
        await queue.publish("dispatch", messages("a", 1));
        const after = Date.now();
        let handled = 0;
        // Deferred once, then retried once, then acked.
        const got = await consumeUntil(queue, "dispatch", 3, () => {
          handled++;
          if (handled === 1) return { kind: "defer", delayMs: 100 };
          return handled === 2 ? { kind: "retry", reason: "again" } : ack();
        });
        expect(got.map(describeDelivery)).toEqual(["a:1@1", "a:1@1", "a:1@2"]);
        const times = got.map((d) => d.queuedAt);
        // The broker's clock may be a little off this process's: within a second of the publish.
        expect(times[0]).toBeGreaterThanOrEqual(before - 1000);
        expect(times[0]).toBeLessThanOrEqual(after + 1000);
        expect(times).toEqual([times[0], times[0], times[0]]);
      }),
    );

    it(
      "dead-letters after maxAttempts, or at once when asked, keeping reason and attempts",
      withQueue(async ({ queue }) => {
        await queue.publish("collector", [...messages("a", 1), ...messages("b", 2)]);
        await consumeUntil(queue, "collector", 4, (d) =>
          d.key === "a" ? { kind: "retry", reason: "broken" } : { kind: "dead-letter", reason: "invalid" },
        );
        await poll(() => queue.deadLetterCount()).toBe(2);
        const { items: dead } = await queue.deadLetters({ topic: "collector" });
        expect(dead).toHaveLength(2);
        const byKey = Object.fromEntries(dead.map((letter) => [letter.key, letter]));
        expect(byKey.a).toMatchObject({ topic: "collector", reason: "broken", attempts: 3, body: { n: 1 } });
        expect(byKey.b).toMatchObject({ topic: "collector", reason: "invalid", attempts: 1, body: { n: 2 } });
        expect(Number.isNaN(Date.parse(byKey.a?.failedAt ?? ""))).toBe(false);
        expect(await queue.deadLetters({ topic: "storage" })).toEqual({ total: 0, items: [] });
        expect(await queue.deadLetters({}, { limit: 1, offset: 0 })).toMatchObject({
          total: 2,
          items: [expect.objectContaining({ topic: "collector" })],
        });
        await poll(async () => (await queue.backlog()).collector).toBe(0);
      }),
    );

    it(
      "replays a dead letter onto its topic with a fresh attempt count",
      withQueue(async ({ queue }) => {
        await queue.publish("storage", messages("a", 7));
        await consumeUntil(queue, "storage", 1, () => ({ kind: "dead-letter", reason: "down" }));
        await poll(() => queue.deadLetterCount()).toBe(1);
        const [letter] = (await queue.deadLetters({ topic: "storage" })).items;
        expect(letter).toBeDefined();
        expect(await queue.replayDeadLetters({ ids: [letter?.id ?? ""] })).toBe(1);
        await poll(() => queue.deadLetterCount()).toBe(0);
        expect(await queue.replayDeadLetters({ ids: [letter?.id ?? ""] })).toBe(0);
        expect(await queue.replayDeadLetters({ ids: ["no-such-letter"] })).toBe(0);
        const got = await consumeUntil(queue, "storage", 1, ack);
        expect(got.map(describeDelivery)).toEqual(["a:7@1"]);
        await poll(async () => (await queue.backlog()).storage).toBe(0);
      }),
    );

    it(
      "lists dead letters in pages, newest first, with the total of all that match topic and reason",
      withQueue(async ({ queue }) => {
        await queue.publish(
          "collector",
          [0, 1, 2, 3, 4, 5, 6].map((n) => ({ key: `k${n}`, body: { n } })),
        );
        await queue.publish("storage", messages("s", 7, 8));
        const reasonOf = (n: number) => (n % 2 === 0 ? "HTTP 400 Bad Request" : "timed out");
        await consumeUntil(queue, "collector", 7, (d) => ({
          kind: "dead-letter",
          reason: reasonOf(d.body.n),
        }));
        await consumeUntil(queue, "storage", 2, () => ({ kind: "dead-letter", reason: "store down" }));
        await poll(() => queue.deadLetterCount()).toBe(9);

        const seen: DeadLetter[] = [];
        for (let offset = 0; offset < 9; offset += 3) {
          const page = await queue.deadLetters({ topic: "collector" }, { limit: 3, offset });
          expect(page.total).toBe(7);
          seen.push(...page.items);
        }
        expect(seen.map((letter) => (letter.body as Body).n).sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
        expect(new Set(seen.map((letter) => letter.id)).size).toBe(7);
        const times = seen.map((letter) => letter.failedAt);
        expect(times).toEqual([...times].sort().reverse());

        const http = await queue.deadLetters({ reason: "http 400" }, { limit: 2, offset: 0 });
        expect(http.total).toBe(4);
        expect(http.items).toHaveLength(2);
        expect(http.items.every((l) => l.topic === "collector" && l.reason === reasonOf(0))).toBe(true);
        expect((await queue.deadLetters({}, { limit: 100, offset: 0 })).total).toBe(9);
        expect((await queue.deadLetters({}, { limit: 4, offset: 8 })).items).toHaveLength(1);
        expect((await queue.deadLetters({ topic: "storage", reason: "HTTP" })).total).toBe(0);
        const one = seen[0] as DeadLetter;
        expect(await queue.deadLetters({ ids: [one.id] })).toEqual({ total: 1, items: [one] });
      }),
    );

    it(
      "replays and purges dead letters by topic, reason and id",
      withQueue(async ({ queue }) => {
        await queue.publish(
          "collector",
          [1, 2, 3, 4].map((n) => ({ key: `k${n}`, body: { n } })),
        );
        await queue.publish("storage", messages("s", 5));
        const reasonOf = (n: number) => (n <= 2 || n === 5 ? "bad A" : "bad B");
        await consumeUntil(queue, "collector", 4, (d) => ({
          kind: "dead-letter",
          reason: reasonOf(d.body.n),
        }));
        await consumeUntil(queue, "storage", 1, () => ({ kind: "dead-letter", reason: reasonOf(5) }));
        await poll(() => queue.deadLetterCount()).toBe(5);

        expect(await queue.replayDeadLetters({ topic: "collector", reason: "BAD a" })).toBe(2);
        await poll(() => queue.deadLetterCount()).toBe(3);
        const replayed = await consumeUntil(queue, "collector", 2, ack);
        expect(replayed.map(describeDelivery).sort()).toEqual(["k1:1@1", "k2:2@1"]);

        const [b] = (await queue.deadLetters({ reason: "bad b" }, { limit: 1, offset: 0 })).items;
        expect(await queue.deleteDeadLetters({ ids: [b?.id ?? ""] })).toBe(1);
        expect(await queue.deleteDeadLetters({ ids: [b?.id ?? ""] })).toBe(0);
        await poll(() => queue.deadLetterCount()).toBe(2);
        expect(await queue.deleteDeadLetters({ topic: "collector" })).toBe(1);
        await poll(() => queue.deadLetterCount()).toBe(1);
        expect((await queue.deadLetters({ topic: "storage" })).total).toBe(1);

        expect(await queue.replayDeadLetters({})).toBe(1);
        await poll(() => queue.deadLetterCount()).toBe(0);
        expect((await consumeUntil(queue, "storage", 1, ack)).map(describeDelivery)).toEqual(["s:5@1"]);
        await poll(async () => (await queue.backlog()).collector).toBe(0);
      }),
    );

    it(
      "dead-letters a body that is not JSON at once and alone, listing it as text",
      withQueue(async ({ queue }) => {
        const bom = '\ufeff{"n":2}';
        await queue.publish("collector", [
          ...messages("a", 1),
          { key: "a", body: null, json: bom },
          { key: "b", body: null, json: "not json" },
          ...messages("a", 3),
        ]);
        const got = await consumeUntil(queue, "collector", 2, ack);
        expect(got.map(describeDelivery)).toEqual(["a:1@1", "a:3@1"]);
        await poll(() => queue.deadLetterCount()).toBe(2);
        const { items: dead } = await queue.deadLetters({ topic: "collector" });
        expect(dead.map((letter) => letter.body).sort()).toEqual([bom, "not json"].sort());
        for (const letter of dead) {
          expect(letter.reason).toMatch(/^payload is not JSON: /);
          expect(letter.attempts).toBe(1);
        }
        await poll(async () => (await queue.backlog()).collector).toBe(0);
      }),
    );

    it(
      "retries and dead-letters only the message a batch handler throws on",
      withQueue(async ({ queue }) => {
        await queue.publish("collector", [...messages("a", 1), ...messages("b", 2), ...messages("c", 3, 4)]);
        const acked: string[] = [];
        await consumeWhile(
          queue,
          "collector",
          (batch) => {
            if (batch.some((d) => d.body.n === 2)) throw new Error("two is poison");
            for (const d of batch) acked.push(describeDelivery(d));
            return batch.map(ack);
          },
          async () => acked.length === 3 && (await queue.deadLetterCount()) === 1,
        );
        expect(acked.sort()).toEqual(["a:1@1", "c:3@1", "c:4@1"]);
        const [letter] = (await queue.deadLetters({ topic: "collector" })).items;
        expect(letter).toMatchObject({ key: "b", reason: "two is poison", attempts: 2, body: { n: 2 } });
        await poll(async () => (await queue.backlog()).collector).toBe(0);
      }),
    );

    it(
      "treats a batch answered with too few outcomes like a throw, message by message",
      withQueue(async ({ queue }) => {
        await queue.publish("collector", [...messages("a", 1), ...messages("b", 2)]);
        const acked: string[] = [];
        await consumeWhile(
          queue,
          "collector",
          (batch) => {
            const outcomes = batch.filter((d) => d.body.n !== 2).map(ack);
            if (outcomes.length === batch.length) for (const d of batch) acked.push(describeDelivery(d));
            return outcomes;
          },
          async () => acked.length === 1 && (await queue.deadLetterCount()) === 1,
        );
        expect(acked).toEqual(["a:1@1"]);
        const [letter] = (await queue.deadLetters({ topic: "collector" })).items;
        expect(letter).toMatchObject({ key: "b", attempts: 2, body: { n: 2 } });
        expect(letter?.reason).toMatch(/outcomes for 1 messages/);
      }),
    );

    it(
      "retries and dead-letters only the message whose forward cannot be serialised",
      withQueue(async ({ queue }) => {
        await queue.publish("collector", messages("a", 1, 2, 3));
        const cyclic: { self?: unknown } = {};
        cyclic.self = cyclic;
        await consumeWhile(
          queue,
          "collector",
          (batch) =>
            batch.map((d) => ({
              kind: "ack",
              forward: [
                { topic: "storage", key: "fwd", body: d.body.n === 2 ? cyclic : { n: d.body.n * 10 } },
              ],
            })),
          // 3 may wait behind 2's retries (same key) and pass only after 2 is dead-lettered.
          async () => (await queue.deadLetterCount()) === 1 && (await queue.backlog()).collector === 0,
        );
        const [letter] = (await queue.deadLetters({ topic: "collector" })).items;
        expect(letter).toMatchObject({ key: "a", attempts: 2, body: { n: 2 } });
        expect(letter?.reason).toMatch(/^forwarded message cannot be serialised: /);
        const got = await consumeUntil(queue, "storage", 2, ack);
        expect(got.map(describeDelivery)).toEqual(["fwd:10@1", "fwd:30@1"]);
        await poll(async () => (await queue.backlog()).collector).toBe(0);
      }),
    );

    it(
      "publishes the forwarded messages of an ack",
      withQueue(async ({ queue }) => {
        await queue.publish("collector", messages("a", 1, 2));
        await consumeUntil(queue, "collector", 2, (d) => ({
          kind: "ack",
          forward: [{ topic: "storage", key: `${d.key}-fwd`, body: { n: d.body.n * 10 } }],
        }));
        await poll(async () => (await queue.backlog()).storage).toBe(2);
        const got = await consumeUntil(queue, "storage", 2, ack);
        expect(got.map(describeDelivery)).toEqual(["a-fwd:10@1", "a-fwd:20@1"]);
        await poll(async () => {
          const backlog = await queue.backlog();
          return [backlog.collector, backlog.storage];
        }).toEqual([0, 0]);
      }),
    );

    it(
      "keeps batches within maxBatch and maxBatchBytes",
      withQueue(async ({ queue }) => {
        const pad = "x".repeat(100);
        await queue.publish(
          "collector",
          Array.from({ length: 30 }, (_, n) => ({ key: `k${n % 3}`, body: { n, pad } })),
        );
        const batches: number[][] = [];
        const all = new Promise<void>((resolve) => {
          const subscription = queue.consume<Body & { pad: string }>(
            "collector",
            (batch) => {
              batches.push(batch.map((d) => JSON.stringify(d.body).length));
              if (batches.flat().length === 30) setImmediate(() => subscription.close().then(resolve));
              return batch.map(ack);
            },
            { maxBatch: 4, maxBatchBytes: 300, maxAttempts: 3 },
          );
        });
        await all;
        for (const sizes of batches) {
          expect(sizes.length).toBeLessThanOrEqual(4);
          if (sizes.length > 1) expect(sizes.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(300);
        }
        await poll(async () => (await queue.backlog()).collector).toBe(0);
      }),
    );

    it(
      "takes nothing while paused, and continues when no longer paused",
      withQueue(async ({ queue }) => {
        let paused = true;
        let handled = 0;
        await queue.publish("collector", messages("a", 1, 2));
        const subscription = queue.consume<Body>(
          "collector",
          (batch) => {
            handled += batch.length;
            return batch.map(ack);
          },
          { maxBatch: 10, maxAttempts: 3, paused: () => paused },
        );
        try {
          await new Promise((resolve) => setTimeout(resolve, 700));
          expect(handled).toBe(0);
          expect((await queue.backlog()).collector).toBe(2);
          paused = false;
          await poll(async () => handled).toBe(2);
        } finally {
          await subscription.close();
        }
        await poll(async () => (await queue.backlog()).collector).toBe(0);
      }),
    );

    it(
      "loses nothing across closing and reopening the queue",
      withQueue(async (fixture) => {
        await fixture.queue.publish("collector", messages("a", ...Array.from({ length: 10 }, (_, i) => i)));
        const first = await consumeUntil(fixture.queue, "collector", 4, ack, { maxBatch: 1 });
        const queue = await fixture.reopen();
        await queue.publish("collector", messages("b", 100));
        const acked = new Set(first.map((d) => `${d.key}:${d.body.n}`));
        const expected = [...Array.from({ length: 10 }, (_, i) => `a:${i}`), "b:100"];
        const rest = await consumeUntil(queue, "collector", expected.length - acked.size, ack);
        for (const d of rest) acked.add(`${d.key}:${d.body.n}`);
        expect([...acked].sort()).toEqual([...expected].sort());
        await poll(async () => (await queue.backlog()).collector).toBe(0);
      }),
    );
  });
}
