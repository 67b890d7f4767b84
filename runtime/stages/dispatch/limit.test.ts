import { describe, expect, it } from "vitest";
import { AdaptiveLimit } from "./limit.js";

const options = { initial: 4, min: 1, max: 64 };

/** Answers `n` deliveries in `latencyMs` each, with the limit in use. */
function answer(limit: AdaptiveLimit, n: number, latencyMs: number): void {
  for (let i = 0; i < n; i++) limit.onSuccess(latencyMs, limit.limit);
}

describe("AdaptiveLimit", () => {
  it("starts at the initial limit, within min and max", () => {
    expect(new AdaptiveLimit(options).limit).toBe(4);
    expect(new AdaptiveLimit({ initial: 100, min: 1, max: 8 }).limit).toBe(8);
    expect(() => new AdaptiveLimit({ initial: 1, min: 0, max: 8 })).toThrow(/min/);
  });

  it("grows while the latency holds, up to the max", () => {
    const limit = new AdaptiveLimit(options);
    answer(limit, 10, 2);
    expect(limit.limit).toBe(14);
    answer(limit, 1000, 2);
    expect(limit.limit).toBe(64);
  });

  it("does not grow on answers that leave the limit unused", () => {
    const limit = new AdaptiveLimit(options);
    for (let i = 0; i < 100; i++) limit.onSuccess(2, 1);
    expect(limit.limit).toBe(4);
  });

  it("halves on an error, once per round trip, never below the min", () => {
    const limit = new AdaptiveLimit({ initial: 32, min: 1, max: 64 });
    limit.onError();
    expect(limit.limit).toBe(16);
    // The other deliveries of the same round trip fail too: one back-off for them all.
    for (let i = 0; i < 15; i++) limit.onError();
    expect(limit.limit).toBe(16);
    for (let i = 0; i < 200; i++) limit.onError();
    expect(limit.limit).toBe(1);
  });

  it("shrinks when the latency rises well above the lowest seen", () => {
    const limit = new AdaptiveLimit(options);
    answer(limit, 40, 2);
    const grown = limit.limit;
    answer(limit, 100, 20);
    expect(limit.limit).toBeLessThan(grown);
    expect(limit.baselineMs).toBe(2);
  });

  it("does not go below the initial limit on a rising latency alone", () => {
    const limit = new AdaptiveLimit(options);
    answer(limit, 40, 2);
    // All within one window: the baseline stays 2 ms.
    answer(limit, 400, 50);
    expect(limit.limit).toBe(4);
  });

  it("grows by one per round trip after the first back-off", () => {
    const limit = new AdaptiveLimit({ initial: 20, min: 1, max: 64 });
    limit.onError();
    expect(limit.limit).toBe(10);
    // One round trip: the held-off answers, then ten more.
    answer(limit, 10, 2);
    answer(limit, 10, 2);
    expect(limit.limit).toBeGreaterThanOrEqual(11);
    expect(limit.limit).toBeLessThanOrEqual(12);
  });

  it("forgets an old low latency after two windows", () => {
    const limit = new AdaptiveLimit(options);
    answer(limit, 10, 1);
    answer(limit, 2000, 10);
    expect(limit.baselineMs).toBe(10);
  });

  it("keeps a fixed limit when min and max are equal", () => {
    const limit = new AdaptiveLimit({ initial: 4, min: 4, max: 4 });
    answer(limit, 100, 1);
    limit.onError();
    expect(limit.limit).toBe(4);
  });
});
