import { afterEach, describe, expect, it } from "vitest";
import type { Delivery, Outcome } from "../../ports/queue.js";
import type { PulsarConsumerSocket } from "./consumer.js";
import { PROP, type ReceivedMessage } from "./frames.js";
import { KeyHolds } from "./holds.js";
import { SubscriptionLoop } from "./subscription.js";

/** A consumer socket that hands out the messages it is given, once each, and records acks. */
class FakeSocket {
  private waiting: ReceivedMessage[] = [];
  readonly acked: string[] = [];

  give(messages: ReceivedMessage[]): void {
    this.waiting.push(...messages);
  }

  async take(max: number): Promise<ReceivedMessage[]> {
    if (this.waiting.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    return this.waiting.splice(0, max);
  }

  interrupt(): void {}
  ack(messageId: string): void {
    this.acked.push(messageId);
  }
  nack(): void {}
  async close(): Promise<void> {}
}

let id = 0;
function message(key: string, n: number, redelivered: boolean): ReceivedMessage {
  id++;
  return {
    messageId: `m${id}`,
    key,
    text: JSON.stringify({ n }),
    properties: redelivered ? { [PROP.id]: `id-${id}`, [PROP.attempt]: "2" } : {},
    redeliveryCount: 0,
  };
}

const loops: SubscriptionLoop[] = [];
afterEach(async () => {
  await Promise.all(loops.splice(0).map((loop) => loop.stop()));
});

function start(socket: FakeSocket, handled: number[]) {
  const handler = async (batch: Delivery[]): Promise<Outcome[]> =>
    batch.map((delivery) => {
      handled.push((delivery.body as { n: number }).n);
      return { kind: "ack" };
    });
  const target = { publish: async () => {}, retryBaseMs: 1000, retryMaxMs: 60_000, idleWaitMs: 20 };
  const loop = new SubscriptionLoop(
    "dispatch",
    socket as unknown as PulsarConsumerSocket,
    handler,
    { maxBatch: 50, maxAttempts: 5 },
    new KeyHolds(),
    target,
  );
  loops.push(loop);
  loop.start();
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe("SubscriptionLoop", () => {
  it("hands new messages out at once and spreads those back from a retry after them", async () => {
    const socket = new FakeSocket();
    const handled: number[] = [];
    socket.give([
      ...Array.from({ length: 20 }, (_, n) => message(`failing:${n}`, n, true)),
      message("healthy:1", 100, false),
    ]);
    start(socket, handled);
    await until(() => handled.length === 21);
    expect(handled[0]).toBe(100);
    expect(socket.acked).toHaveLength(21);
  });

  it("keeps a key's order when a new message comes behind its paced one", async () => {
    const socket = new FakeSocket();
    const handled: number[] = [];
    socket.give([message("a", 1, true), message("a", 2, false), message("b", 3, false)]);
    start(socket, handled);
    await until(() => handled.length === 3);
    expect(handled.indexOf(1)).toBeLessThan(handled.indexOf(2));
    expect(handled[0]).toBe(3);
  });
});
