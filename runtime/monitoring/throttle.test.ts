import { describe, expect, it } from "vitest";
import { type LogRecord, LogThrottle } from "./throttle.js";

const record = (message: string, kind: LogRecord["kind"] = "backend"): LogRecord => ({
  level: "error",
  kind,
  message,
  details: {},
  key: `${kind}|${message}`,
});

describe("LogThrottle", () => {
  it("writes a flapping problem once a minute and sums up its repeats when the minute ends", () => {
    const throttle = new LogThrottle(60_000, 100);
    const admitted = [0, 1000, 2000, 3000].map((t) => throttle.admit(record("MySQL down"), t));
    expect(admitted).toEqual([true, false, false, false]);
    expect(throttle.sweep(59_999)).toEqual([]);
    const [summary, ...rest] = throttle.sweep(60_000);
    expect(rest).toEqual([]);
    expect(summary).toMatchObject({
      message: "MySQL down (3 more since 1970-01-01T00:00:00.000Z)",
      details: { repeated: 3, since: "1970-01-01T00:00:00.000Z" },
      at: 3000,
    });
    expect(throttle.admit(record("MySQL down"), 60_001)).toBe(true);
  });

  it("dates each summary by its last repeat, so a flapping backend's log ends with its latest state", () => {
    const throttle = new LogThrottle(60_000, 100);
    throttle.admit(record("MySQL down"), 0);
    throttle.admit(record("recovered: MySQL down"), 1000);
    throttle.admit(record("MySQL down"), 2000);
    throttle.admit(record("recovered: MySQL down"), 3000);
    throttle.admit(record("MySQL down"), 4000);
    const latest = throttle.sweep(61_000).sort((a, b) => (b.at ?? 0) - (a.at ?? 0))[0];
    expect(latest).toMatchObject({ message: "MySQL down (2 more since 1970-01-01T00:00:00.000Z)", at: 4000 });
  });

  it("keeps different events apart", () => {
    const throttle = new LogThrottle(60_000, 100);
    expect(throttle.admit(record("MySQL down"), 0)).toBe(true);
    expect(throttle.admit(record("recovered: MySQL down"), 1)).toBe(true);
    expect(throttle.admit(record("MySQL down", "stage"), 2)).toBe(true);
  });

  it("writes at most maxPerWindow entries a window and says how many it dropped", () => {
    const throttle = new LogThrottle(60_000, 2);
    const admitted = ["a", "b", "c", "d"].map((m, i) => throttle.admit(record(m, "dead-letter"), i));
    expect(admitted).toEqual([true, true, false, false]);
    const summaries = throttle.sweep(60_000);
    expect(summaries).toContainEqual(
      expect.objectContaining({ level: "warning", kind: "dead-letter", details: { dropped: 2 } }),
    );
    expect(throttle.admit(record("e", "dead-letter"), 60_001)).toBe(true);
  });
});
