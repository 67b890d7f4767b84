import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { PulsarQueue } from "../../adapters/pulsar/queue.js";
import { inKeyOrder, QueueUnavailableError } from "../../ports/queue.js";
import { consumeUntil, describeQueueContract, type QueueFixture } from "../contract/queue.js";
import { ensureServer, type ServerInfo } from "./servers.js";

// The Pulsar queue against a real Pulsar standalone (infra/pulsar.sh); every queue gets fresh topics.
interface PulsarInfo extends ServerInfo {
  webUrl: string;
  wsUrl: string;
}

let server: PulsarInfo;
beforeAll(async () => {
  // The first run on a machine assembles Pulsar from Maven Central.
  server = await ensureServer<PulsarInfo>("pulsar");
}, 15 * 60_000);

describeQueueContract("Pulsar", async () => {
  const prefix = `test-${randomBytes(4).toString("hex")}-`;
  const openQueue = () =>
    new PulsarQueue({ webUrl: server.webUrl, naming: { prefix }, retryBaseMs: 50, idleWaitMs: 100 });
  const fixture: QueueFixture = {
    queue: openQueue(),
    reopen: async () => {
      await fixture.queue.close();
      fixture.queue = openQueue();
      return fixture.queue;
    },
    close: async () => {
      await fixture.queue.close();
      await deleteTopics(prefix);
    },
  };
  return fixture;
});

/** Messages ever published to a topic of public/default (the broker's counter). */
async function messagesIn(topic: string): Promise<number> {
  const response = await fetch(`${server.webUrl}/admin/v2/persistent/public/default/${topic}/stats`);
  expect(response.status, `stats of ${topic}`).toBe(200);
  return ((await response.json()) as { msgInCounter: number }).msgInCounter;
}

/** Consumers connected to a topic's one subscription (named as the topic), 0 before it exists. */
async function consumersOf(topic: string): Promise<number> {
  return (await consumerSessions(topic)).length;
}

/** Each consumer of a topic's subscription as `name@connectedSince`: changes when one reconnects. */
async function consumerSessions(topic: string): Promise<string[]> {
  const response = await fetch(`${server.webUrl}/admin/v2/persistent/public/default/${topic}/stats`);
  if (response.status === 404) return [];
  const stats = (await response.json()) as {
    subscriptions: Record<string, { consumers: { consumerName?: string; connectedSince?: string }[] }>;
  };
  return (stats.subscriptions[topic]?.consumers ?? [])
    .map((c) => `${c.consumerName}@${c.connectedSince}`)
    .sort();
}

/**
 * Three processes (queues) with two loops each consume "dispatch", retrying every message once: which
 * keys were handled by two processes, how many processes handled first attempts, and whether any
 * consumer reconnected meanwhile.
 */
async function retriedKeysRound(): Promise<{ moved: string[]; firstHandlers: number; reconnected: boolean }> {
  const prefix = `test-${randomBytes(4).toString("hex")}-`;
  const open = () => new PulsarQueue({ webUrl: server.webUrl, naming: { prefix }, idleWaitMs: 100 });
  const queues = [open(), open(), open()];
  const handledBy = new Map<string, number[]>();
  const subscriptions = queues.map((queue, process) =>
    queue.consume<{ n: number }>(
      "dispatch",
      inKeyOrder(async (delivery) => {
        handledBy.set(delivery.key, [...(handledBy.get(delivery.key) ?? []), process]);
        return delivery.attempt === 1 ? { kind: "retry", reason: "once more" } : { kind: "ack" };
      }),
      { maxBatch: 5, maxAttempts: 3, retryBaseMs: 50, parallel: 2 },
    ),
  );
  const sessions = async () =>
    JSON.stringify([
      await consumerSessions(`${prefix}dispatch`),
      await consumerSessions(`${prefix}dispatch-retry`),
    ]);
  try {
    // Every process's consumers (2 each) are connected on both topics before anything is published:
    // a consumer that joins later takes over part of the key ranges, and keys move by design.
    await expect
      .poll(
        async () => [await consumersOf(`${prefix}dispatch`), await consumersOf(`${prefix}dispatch-retry`)],
        {
          timeout: 30_000,
          interval: 200,
        },
      )
      .toEqual([6, 6]);
    const before = await sessions();
    const keys = Array.from({ length: 60 }, (_, i) => `k${i}`);
    await queues[0]?.publish(
      "dispatch",
      keys.map((key, n) => ({ key, body: { n } })),
    );
    await expect
      .poll(() => keys.every((key) => handledBy.get(key)?.length === 2), { timeout: 20_000, interval: 100 })
      .toBe(true);
    return {
      moved: keys.filter((key) => new Set(handledBy.get(key)).size > 1),
      firstHandlers: new Set(keys.map((key) => handledBy.get(key)?.[0])).size,
      reconnected: (await sessions()) !== before,
    };
  } finally {
    await Promise.all(subscriptions.map((subscription) => subscription.close()));
    await Promise.all(queues.map((queue) => queue.close()));
    await deleteTopics(prefix);
  }
}

/** Test topics would pile up in the broker's data directory across runs: delete this queue's. */
async function deleteTopics(prefix: string): Promise<void> {
  const base = `${server.webUrl}/admin/v2/persistent/public/default`;
  const topics = (await (await fetch(base)).json()) as string[];
  const names = topics.map((t) => t.split("/").at(-1) ?? "").filter((name) => name.startsWith(prefix));
  await Promise.all(
    names.map(async (name) => {
      const response = await fetch(`${base}/${name}?force=true`, { method: "DELETE" });
      expect(response.status, `delete ${name}`).toBe(204);
    }),
  );
}

describe("PulsarQueue, beyond the contract", () => {
  it("answers QueueUnavailableError when the broker cannot be reached", async () => {
    const queue = new PulsarQueue({ webUrl: "http://127.0.0.1:9", connectTimeoutMs: 2000 });
    await expect(queue.publish("collector", [{ key: "k", body: {} }])).rejects.toBeInstanceOf(
      QueueUnavailableError,
    );
    await queue.close();
  });

  it("refuses to publish past maxBacklog, and takes messages again once the backlog is consumed", async () => {
    const prefix = `test-${randomBytes(4).toString("hex")}-`;
    const queue = new PulsarQueue({ webUrl: server.webUrl, naming: { prefix }, maxBacklog: 2 });
    try {
      await queue.publish("collector", [
        { key: "a", body: {} },
        { key: "b", body: {} },
      ]);
      const full = queue.publish("collector", [{ key: "c", body: {} }]);
      await expect(full).rejects.toBeInstanceOf(QueueUnavailableError);
      await expect(full).rejects.toMatchObject({ retryAfterSeconds: 5 });
      await consumeUntil(queue, "collector", 2, () => ({ kind: "ack" }));
      await expect
        .poll(async () => (await queue.backlog()).collector, { timeout: 15_000, interval: 100 })
        .toBe(0);
      // The cached count expires within a second.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      await queue.publish("collector", [{ key: "c", body: {} }]);
    } finally {
      await queue.close();
      await deleteTopics(prefix);
    }
  });

  it("goes on with other keys while one key's delivery hangs, and keeps the hanging key's order", async () => {
    const prefix = `test-${randomBytes(4).toString("hex")}-`;
    const queue = new PulsarQueue({ webUrl: server.webUrl, naming: { prefix }, idleWaitMs: 100 });
    const seen: string[] = [];
    let release: () => void = () => {};
    const hanging = new Promise<void>((resolve) => {
      release = resolve;
    });
    // One loop, one consumer: every key is this consumer's.
    const subscription = queue.consume<{ n: number }>(
      "dispatch",
      inKeyOrder(async (delivery) => {
        seen.push(`${delivery.key}:${delivery.body.n}`);
        if (delivery.key === "slow" && delivery.body.n === 1) await hanging;
        return { kind: "ack" };
      }),
      { maxBatch: 5, maxAttempts: 3, parallel: 1 },
    );
    try {
      await queue.publish("dispatch", [{ key: "slow", body: { n: 1 } }]);
      await expect.poll(() => seen, { timeout: 15_000, interval: 50 }).toContain("slow:1");
      const others = Array.from({ length: 12 }, (_, i) => ({ key: `k${i % 4}`, body: { n: i } }));
      await queue.publish("dispatch", [{ key: "slow", body: { n: 2 } }, ...others]);
      const expected = others.map((m) => `${m.key}:${m.body.n}`);
      await expect
        .poll(() => expected.every((m) => seen.includes(m)), { timeout: 15_000, interval: 50 })
        .toBe(true);
      // Acked as they were handled; the hanging message and the one of its key behind it still wait.
      await expect
        .poll(async () => (await queue.backlog()).dispatch, { timeout: 15_000, interval: 100 })
        .toBe(2);
      expect(seen).not.toContain("slow:2");
      for (const key of ["k0", "k1", "k2", "k3"]) {
        const ns = seen.filter((m) => m.startsWith(`${key}:`));
        expect(ns, key).toEqual(expected.filter((m) => m.startsWith(`${key}:`)));
      }
      release();
      await expect.poll(() => seen, { timeout: 15_000, interval: 50 }).toContain("slow:2");
      expect(seen.filter((m) => m.startsWith("slow:"))).toEqual(["slow:1", "slow:2"]);
      await expect
        .poll(async () => (await queue.backlog()).dispatch, { timeout: 15_000, interval: 100 })
        .toBe(0);
    } finally {
      release();
      await subscription.close();
      await queue.close();
      await deleteTopics(prefix);
    }
  });

  it("hands new messages out while redelivered ones fill their own loops: retries never go back on the topic itself", async () => {
    const prefix = `test-${randomBytes(4).toString("hex")}-`;
    const queue = new PulsarQueue({ webUrl: server.webUrl, naming: { prefix }, idleWaitMs: 100 });
    const handled: string[] = [];
    const stuck = new Set<string>();
    let release: () => void = () => {};
    const hanging = new Promise<void>((resolve) => {
      release = resolve;
    });
    // A bad destination's deliveries fail once, then hang on retry; the good ones are answered.
    const subscription = queue.consume<{ n: number }>(
      "dispatch",
      inKeyOrder(
        async (delivery) => {
          handled.push(`${delivery.key}@${delivery.attempt}`);
          if (!delivery.key.startsWith("bad")) return { kind: "ack" };
          if (delivery.attempt === 1) return { kind: "retry", reason: "answered 500" };
          stuck.add(delivery.key);
          await hanging;
          return { kind: "ack" };
        },
        { concurrentKeys: true },
      ),
      // Room for 8 messages in flight on the topic: more bad ones than that are retried.
      { maxBatch: 4, maxInFlight: 8, maxAttempts: 5, retryBaseMs: 50, parallel: 1 },
    );
    try {
      const bad = Array.from({ length: 12 }, (_, i) => ({ key: `bad${i}`, body: { n: i } }));
      await queue.publish("dispatch", bad);
      await expect.poll(() => stuck.size, { timeout: 15_000, interval: 50 }).toBeGreaterThanOrEqual(2);
      const good = Array.from({ length: 20 }, (_, i) => ({ key: `good${i}`, body: { n: i } }));
      await queue.publish("dispatch", good);
      // Every new message is handled, first time, while the redelivered ones still hang.
      await expect
        .poll(() => good.every((m) => handled.includes(`${m.key}@1`)), { timeout: 15_000, interval: 50 })
        .toBe(true);
      // The retry topic's loop took its share (a quarter: 2) of the retries, which hang there.
      expect(stuck.size).toBe(2);
      expect(handled.filter((h) => h.startsWith("good"))).toHaveLength(20);
      // The topic received the 32 messages published, nothing more; the retry topic the 12 retries.
      expect(await messagesIn(`${prefix}dispatch`)).toBe(32);
      expect(await messagesIn(`${prefix}dispatch-retry`)).toBe(12);
      // The stage's backlog counts the retries waiting (and hanging) on the retry topic.
      await expect
        .poll(async () => (await queue.backlog()).dispatch, { timeout: 15_000, interval: 100 })
        .toBe(12);
      release();
      await expect
        .poll(async () => (await queue.backlog()).dispatch, { timeout: 30_000, interval: 100 })
        .toBe(0);
      expect(await queue.deadLetterCount()).toBe(0);
    } finally {
      release();
      await subscription.close();
      await queue.close();
      await deleteTopics(prefix);
    }
  });

  it("gives a key's retries to the process that had the key, with several processes consuming", async () => {
    // A consumer that reconnects (a WebSocket that missed its pings on a loaded machine) leaves its
    // keys to the others while it is away, by design; a round in which one did proves nothing and
    // runs again.
    for (let round = 1; round <= 3; round++) {
      const { moved, firstHandlers, reconnected } = await retriedKeysRound();
      if (moved.length > 0 && reconnected) continue;
      expect(moved, "keys retried by another process than the one that had them").toEqual([]);
      expect(firstHandlers, "more than one process had keys").toBeGreaterThan(1);
      return;
    }
    throw new Error("a consumer reconnected during each of 3 rounds while keys moved");
  });

  it("carries a publish's JSON text as given", async () => {
    const prefix = `test-${randomBytes(4).toString("hex")}-`;
    const queue = new PulsarQueue({ webUrl: server.webUrl, naming: { prefix } });
    try {
      await queue.publish("collector", [{ key: "a", body: { ignored: true }, json: '{"n":42}' }]);
      const [got] = await consumeUntil(queue, "collector", 1, () => ({ kind: "ack" }));
      expect(got?.body).toEqual({ n: 42 });
    } finally {
      await queue.close();
      await deleteTopics(prefix);
    }
  });
});
