import { describe, expect, it } from "vitest";
import { DEFAULT_WORKER_AUTOSCALING } from "../../api/defaults.js";
import type { WorkerAutoscaling } from "../../api/types.js";
import { type Recommendation, recommendReplicas } from "./recommend.js";

const policy = (p: Partial<WorkerAutoscaling> = {}): WorkerAutoscaling => ({
  ...DEFAULT_WORKER_AUTOSCALING,
  enabled: true,
  minReplicas: 1,
  maxReplicas: 10,
  targetBacklogPerReplica: 1000,
  scaleUpStabilizationSeconds: 0,
  scaleDownStabilizationSeconds: 0,
  ...p,
});

const T0 = Date.parse("2026-12-02T00:00:00Z");

/** Steps every `everySeconds` with the given backlogs, feeding each decision into the next; returns the replicas after each. */
function run(
  p: WorkerAutoscaling,
  start: number,
  backlogs: number[],
  everySeconds = 15,
): { replicas: number[]; reasons: string[] } {
  let current = start;
  let history: Recommendation[] = [];
  const replicas: number[] = [];
  const reasons: string[] = [];
  backlogs.forEach((backlog, i) => {
    const d = recommendReplicas({ now: T0 + i * everySeconds * 1000, current, backlog, policy: p, history });
    history = d.history;
    current = d.desired;
    replicas.push(d.desired);
    reasons.push(d.reason);
  });
  return { replicas, reasons };
}

describe("recommendReplicas: the formula", () => {
  it("asks for ceil(backlog / targetBacklogPerReplica)", () => {
    const step = (backlog: number, current: number) =>
      recommendReplicas({ now: T0, current, backlog, policy: policy(), history: [] });
    expect(step(3000, 3).desired).toBe(3);
    expect(step(3001, 3).desired).toBe(4);
    expect(step(2999, 3).desired).toBe(3);
    expect(step(1, 1).desired).toBe(1);
    expect(step(3001, 3).recommended).toBe(4);
  });

  it("clamps to [minReplicas, maxReplicas]", () => {
    const p = policy({ minReplicas: 2, maxReplicas: 5 });
    const step = (backlog: number, current: number) =>
      recommendReplicas({ now: T0, current, backlog, policy: p, history: [] });
    expect(step(0, 3)).toMatchObject({ desired: 2, limit: "minReplicas", recommended: 0 });
    expect(step(100_000, 5)).toMatchObject({ desired: 5, limit: "maxReplicas", recommended: 100 });
    // A worker below minReplicas (autoscaling just turned on) goes to minReplicas at once.
    expect(step(0, 0).desired).toBe(2);
  });

  it("at most doubles per step, and the maximum still applies", () => {
    expect(run(policy({ maxReplicas: 10 }), 1, [50_000, 50_000, 50_000, 50_000, 50_000]).replicas).toEqual([
      2, 4, 8, 10, 10,
    ]);
    const d = recommendReplicas({ now: T0, current: 3, backlog: 12_400, policy: policy(), history: [] });
    expect(d).toMatchObject({ desired: 6, limit: "doubling", recommended: 13 });
  });

  it("scales down to what the backlog asks for at once without a window (no rate limit down)", () => {
    expect(run(policy(), 8, [0, 2500, 2500]).replicas).toEqual([1, 2, 3]);
    expect(run(policy(), 8, [2500]).replicas).toEqual([3]);
  });

  it("scales to zero with minReplicas 0 and wakes to 1 on a backlog, then doubles", () => {
    const p = policy({ minReplicas: 0, maxReplicas: 4 });
    expect(run(p, 2, [0, 0, 1, 5000, 5000, 5000, 0]).replicas).toEqual([0, 0, 1, 2, 4, 4, 0]);
    const wake = recommendReplicas({ now: T0, current: 0, backlog: 9000, policy: p, history: [] });
    expect(wake).toMatchObject({ desired: 1, limit: "doubling" });
    expect(wake.reason).toBe(
      "backlog 9,000 > 1,000 per replica × 0 → 1 replica (waking from zero; the backlog asks for 9)",
    );
  });

  it("never scales on a negative backlog (treated as 0)", () => {
    expect(
      recommendReplicas({ now: T0, current: 2, backlog: -5, policy: policy(), history: [] }).desired,
    ).toBe(1);
  });
});

describe("recommendReplicas: stabilization windows as the HPA applies them", () => {
  it("holds a scale-down at the highest recommendation within the scale-down window", () => {
    const p = policy({ scaleDownStabilizationSeconds: 60 });
    // Steps every 15 s: 4 at t=0; the backlog drains at t=15; at t=60 the 4 has left the 60 s window.
    const { replicas, reasons } = run(p, 4, [4000, 0, 0, 0, 0, 0]);
    expect(replicas).toEqual([4, 4, 4, 4, 1, 1]);
    expect(reasons[1]).toBe(
      "backlog 0 < 1,000 per replica × 4 → 4 replicas (scale-down window 60 s: highest recent recommendation 4; the backlog asks for 0)",
    );
    expect(reasons[4]).toBe(
      "backlog 0 < 1,000 per replica × 4 → 1 replica (minReplicas 1; the backlog asks for 0)",
    );
  });

  it("steps down through the window's maxima as older peaks expire", () => {
    const p = policy({ scaleDownStabilizationSeconds: 30 });
    // Recommendations 6, 4, 2, 0, 0 …: each step keeps the highest of the last 30 s (two earlier steps).
    expect(run(p, 6, [6000, 4000, 2000, 0, 0, 0]).replicas).toEqual([6, 6, 4, 2, 1, 1]);
  });

  it("holds a scale-up at the lowest recommendation within the scale-up window", () => {
    const p = policy({ scaleUpStabilizationSeconds: 30 });
    // The spike from t=15 counts once no lower recommendation is left in the last 30 s (t=30), then doubles.
    expect(run(p, 1, [0, 5000, 5000, 5000, 5000]).replicas).toEqual([1, 1, 2, 4, 5]);
    const { reasons } = run(p, 1, [0, 5000]);
    expect(reasons[1]).toBe(
      "backlog 5,000 > 1,000 per replica × 1 → 1 replica (scale-up window 30 s: lowest recent recommendation 0; the backlog asks for 5)",
    );
  });

  it("ignores a one-step dip within the scale-down window (no flapping)", () => {
    const p = policy({ scaleDownStabilizationSeconds: 60 });
    expect(run(p, 3, [3000, 0, 3000, 0, 3000]).replicas).toEqual([3, 3, 3, 3, 3]);
  });

  it("keeps only the recommendations the windows can still use", () => {
    const p = policy({ scaleUpStabilizationSeconds: 30, scaleDownStabilizationSeconds: 60 });
    const history: Recommendation[] = [
      { at: T0 - 120_000, replicas: 9 },
      { at: T0 - 59_000, replicas: 2 },
      { at: T0 - 10_000, replicas: 3 },
    ];
    const d = recommendReplicas({ now: T0, current: 3, backlog: 1000, policy: p, history });
    expect(d.history).toEqual([
      { at: T0 - 59_000, replicas: 2 },
      { at: T0 - 10_000, replicas: 3 },
      { at: T0, replicas: 1 },
    ]);
    expect(d.desired).toBe(3);
  });

  it("does not count a recommendation exactly at the cutoff (strictly after, as the HPA)", () => {
    const p = policy({ scaleDownStabilizationSeconds: 60 });
    const history = [{ at: T0 - 60_000, replicas: 5 }];
    expect(recommendReplicas({ now: T0, current: 5, backlog: 0, policy: p, history }).desired).toBe(1);
  });
});

describe("recommendReplicas: reasons", () => {
  it("states the numbers as the issue's example does", () => {
    const d = recommendReplicas({
      now: T0,
      current: 3,
      backlog: 12_400,
      policy: policy({ maxReplicas: 4 }),
      history: [],
    });
    expect(d.reason).toBe(
      "backlog 12,400 > 1,000 per replica × 3 → 4 replicas (maxReplicas 4; the backlog asks for 13)",
    );
    const plain = recommendReplicas({ now: T0, current: 3, backlog: 3500, policy: policy(), history: [] });
    expect(plain.reason).toBe("backlog 3,500 > 1,000 per replica × 3 → 4 replicas");
    expect(plain.limit).toBeUndefined();
  });
});
