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
