import { afterEach, describe, expect, it, vi } from "vitest";
import { backoffDelay } from "./backoff.js";
import { WorkQueue } from "./queue.js";

const tick = () => new Promise((r) => setImmediate(r));

afterEach(() => {
  vi.useRealTimers();
});

describe("backoffDelay", () => {
  it("doubles from base up to max, with jitter in [half, full]", () => {
    const opts = { baseMs: 100, maxMs: 1000 };
    expect(backoffDelay(1, opts, () => 1)).toBe(100);
    expect(backoffDelay(2, opts, () => 1)).toBe(200);
    expect(backoffDelay(3, opts, () => 0)).toBe(200);
    expect(backoffDelay(10, opts, () => 1)).toBe(1000);
  });
});

describe("WorkQueue", () => {
  it("deduplicates a key queued many times", async () => {
    const seen: string[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const q = new WorkQueue({
      concurrency: 1,
      backoff: { baseMs: 10, maxMs: 100 },
      handler: async (k) => {
        await gate;
        seen.push(k);
        return {};
      },
    });
    q.add("blocker");
    for (let i = 0; i < 5; i++) q.add("a");
    q.add("b");
    expect(q.depth).toBe(2);
    release();
    await q.idle();
    expect(seen).toEqual(["blocker", "a", "b"]);
  });

  it("never runs one key twice at once; re-adds while running collapse into one more run", async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    let runs = 0;
    let release: () => void = () => {};
    const q = new WorkQueue({
      concurrency: 4,
      backoff: { baseMs: 10, maxMs: 100 },
      handler: async () => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        runs++;
        if (runs === 1) await new Promise<void>((r) => (release = r));
        inFlight--;
        return {};
      },
    });
    q.add("k");
    q.add("k");
    q.add("k");
    expect(q.depth).toBe(0);
    release();
    await q.idle();
    expect(maxInFlight).toBe(1);
    expect(runs).toBe(2);
  });

  it("runs different keys concurrently up to the limit", async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const q = new WorkQueue({
      concurrency: 2,
      backoff: { baseMs: 10, maxMs: 100 },
      handler: async () => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await tick();
        inFlight--;
        return {};
      },
    });
    for (const k of ["a", "b", "c", "d"]) q.add(k);
    await q.idle();
    expect(maxInFlight).toBe(2);
  });

  it("retries failures with growing backoff and resets after success", async () => {
    vi.useFakeTimers();
    const times: number[] = [];
    let fail = 3;
    const q = new WorkQueue({
      concurrency: 1,
      backoff: { baseMs: 1000, maxMs: 60_000 },
      handler: async () => {
        times.push(Date.now());
        if (fail-- > 0) throw new Error("boom");
        return {};
      },
    });
    const t0 = Date.now();
    q.add("k");
    await vi.advanceTimersByTimeAsync(10_000);
    expect(times.length).toBe(4);
    const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
    expect(gaps[0]).toBeGreaterThanOrEqual(500);
    expect(gaps[0]).toBeLessThanOrEqual(1000);
    expect(gaps[2]).toBeGreaterThanOrEqual(2000);
    expect(q.retries("k")).toBe(0);
    expect(times[0]).toBe(t0);
  });

  it("requeues after the requested delay, keeping only the earliest timer", async () => {
    vi.useFakeTimers();
    let runs = 0;
    const q = new WorkQueue({
      concurrency: 1,
      backoff: { baseMs: 10, maxMs: 100 },
      handler: async () => {
        runs++;
        return runs === 1 ? { requeueAfterMs: 5000 } : {};
      },
    });
    q.add("k");
    await vi.advanceTimersByTimeAsync(1);
    q.addAfter("k", 60_000);
    await vi.advanceTimersByTimeAsync(4000);
    expect(runs).toBe(1);
    await vi.advanceTimersByTimeAsync(1500);
    expect(runs).toBe(2);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(runs).toBe(2);
  });

  it("forget cancels pending timers", async () => {
    vi.useFakeTimers();
    let runs = 0;
    const q = new WorkQueue({
      concurrency: 1,
      backoff: { baseMs: 10, maxMs: 100 },
      handler: async () => {
        runs++;
        return {};
      },
    });
    q.addAfter("k", 1000);
    q.forget("k");
    await vi.advanceTimersByTimeAsync(5000);
    expect(runs).toBe(0);
  });

  it("stop drops queued keys and lets the running reconcile finish", async () => {
    let release: () => void = () => {};
    const seen: string[] = [];
    const q = new WorkQueue({
      concurrency: 1,
      backoff: { baseMs: 10, maxMs: 100 },
      handler: async (k) => {
        seen.push(k);
        await new Promise<void>((r) => (release = r));
        return {};
      },
    });
    q.add("a");
    q.add("b");
    q.stop();
    const idle = q.idle();
    release();
    await idle;
    expect(seen).toEqual(["a"]);
    q.add("c");
    expect(q.depth).toBe(0);
  });
});
