import { describe, expect, it } from "vitest";
import type { Delivery, Outcome } from "./queue.js";
import { handleIsolated, parseBody, serialiseForwards } from "./queue-isolation.js";

const delivery = (key: string, n: number): Delivery<number> => ({
  id: `${key}${n}`,
  topic: "collector",
  key,
  body: n,
  attempt: 1,
});

describe("handleIsolated", () => {
  it("gives the batch's outcomes when the handler answers for every delivery", async () => {
    const batch = [delivery("a", 1), delivery("b", 2)];
    const outcomes = await handleIsolated<number>((b) => b.map(() => ({ kind: "ack" })), batch);
    expect(outcomes).toEqual([{ kind: "ack" }, { kind: "ack" }]);
  });

  it("retries only the delivery the handler throws on, and defers its key's later deliveries", async () => {
    const batch = [delivery("a", 1), delivery("b", 2), delivery("a", 3), delivery("c", 4), delivery("b", 5)];
    const calls: number[][] = [];
    const outcomes = await handleIsolated<number>((b) => {
      calls.push(b.map((d) => d.body));
      if (b.some((d) => d.body === 2)) throw new Error("two");
      return b.map((): Outcome => ({ kind: "ack" }));
    }, batch);
    expect(outcomes).toEqual([
      { kind: "ack" },
      { kind: "retry", reason: "two" },
      { kind: "ack" },
      { kind: "ack" },
      { kind: "defer" },
    ]);
    // Each delivery that was acked was handled in a call that did not throw, exactly once.
    const handledOnce = calls.filter((c) => !c.includes(2)).flat();
    expect(handledOnce.sort()).toEqual([1, 3, 4]);
  });

  it("defers the rest of the batch, counting no attempt, when every delivery alone fails", async () => {
    const batch = Array.from({ length: 16 }, (_, n) => delivery(`k${n}`, n));
    let calls = 0;
    const outcomes = await handleIsolated<number>(
      () => {
        calls++;
        throw new Error("store down");
      },
      batch,
      500,
    );
    expect(outcomes.slice(0, 3)).toEqual(Array(3).fill({ kind: "retry", reason: "store down" }));
    expect(outcomes.slice(3)).toEqual(Array(13).fill({ kind: "defer", delayMs: 500 }));
    expect(calls).toBeLessThan(10);
  });

  it("treats missing outcomes as a failure of the call", async () => {
    const outcomes = await handleIsolated<number>(
      (b) => (b.length > 1 ? [{ kind: "ack" }] : [{ kind: "ack" }]),
      [delivery("a", 1), delivery("b", 2)],
    );
    expect(outcomes).toEqual([{ kind: "ack" }, { kind: "ack" }]);
    const none = await handleIsolated<number>(() => [], [delivery("a", 1)]);
    expect(none).toEqual([{ kind: "retry", reason: "handler returned 0 outcomes for 1 messages" }]);
  });
});

describe("serialiseForwards", () => {
  it("turns only an ack whose forward cannot be serialised into a retry", () => {
    let deep: unknown = 0;
    for (let i = 0; i < 200_000; i++) deep = [deep];
    const outcomes = serialiseForwards([
      { kind: "ack", forward: [{ topic: "storage", key: "k", body: { n: 1 } }] },
      { kind: "ack", forward: [{ topic: "storage", key: "k", body: deep }] },
      { kind: "ack", forward: [{ topic: "storage", key: "k", body: undefined }] },
    ]);
    expect(outcomes[0]).toEqual({
      kind: "ack",
      forward: [{ topic: "storage", key: "k", body: { n: 1 }, json: '{"n":1}' }],
    });
    expect(outcomes[1]).toMatchObject({
      kind: "retry",
      reason: expect.stringMatching(/^forwarded message cannot be serialised: /),
    });
    expect(outcomes[2]).toMatchObject({ kind: "retry" });
  });
});

describe("parseBody", () => {
  it("gives the reason for a text that is not JSON, a byte-order mark included", () => {
    expect(parseBody('{"n":1}')).toEqual({ ok: true, body: { n: 1 } });
    expect(parseBody('\ufeff{"n":1}')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^payload is not JSON: /),
    });
  });
});
