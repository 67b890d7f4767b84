import { describe, expect, it } from "vitest";
import { CrashHistory, type RestartPolicy } from "./supervision.js";

const policy: RestartPolicy = { maxRestarts: 3, windowMs: 60_000, baseDelayMs: 100, maxDelayMs: 350 };

describe("CrashHistory", () => {
  it("doubles the restart delay with each crash in the window, up to the max", () => {
    const history = new CrashHistory(policy);
    expect([0, 1, 2, 3].map((i) => history.crashed(1000 + i, new Error(`crash ${i}`)))).toEqual([
      100, 200, 350, 350,
    ]);
    expect(history.last).toEqual({ at: 1003, message: "crash 3" });
  });

  it("starts again from the base delay once earlier crashes left the window", () => {
    const history = new CrashHistory(policy);
    history.crashed(0, "a");
    history.crashed(1, "b");
    expect(history.crashed(60_001, "c")).toBe(100);
  });

  it("reports a stable problem from maxRestarts crashes in the window, and clears it when they age out", () => {
    const history = new CrashHistory(policy);
    history.crashed(0, new Error("boom"));
    history.crashed(10, new Error("boom"));
    expect(history.failing(20)).toBe(false);
    expect(history.problem("processing thread", 20)).toBeNull();
    history.crashed(30, new Error("bang"));
    expect(history.failing(40)).toBe(true);
    const problem = history.problem("processing thread", 40);
    expect(problem).toBe("processing thread crashed 3 or more times in 1 minute");
    expect(history.problem("processing thread", 50)).toBe(problem);
    expect(history.failing(60_005)).toBe(false);
    expect(history.recent(60_005)).toBe(2);
  });

  it("never reports with maxRestarts 0", () => {
    const history = new CrashHistory({ ...policy, maxRestarts: 0 });
    for (let i = 0; i < 10; i++) history.crashed(i, "x");
    expect(history.failing(10)).toBe(false);
  });
});
