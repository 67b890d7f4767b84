import { describe, expect, it } from "vitest";
import { turnedAway } from "./max-age.js";

describe("a delivery its destination turns away", () => {
  const hour = 3_600_000;
  it("is deferred while younger than the maximum age, never past it", () => {
    expect(turnedAway({ queuedAt: 0 }, "d", 5000, 24 * hour, hour)).toEqual({ kind: "defer", delayMs: 5000 });
    expect(turnedAway({ queuedAt: 0 }, "d", 5000, 24 * hour, 24 * hour - 1000)).toEqual({
      kind: "defer",
      delayMs: 1000,
    });
  });

  it("is dead-lettered with the reason once it is that old", () => {
    expect(turnedAway({ queuedAt: 0 }, "d1", 5000, 24 * hour, 24 * hour)).toEqual({
      kind: "dead-letter",
      reason: "destination d1 did not take it within 24 h of it being queued (TRACARDI_DISPATCH_MAX_AGE)",
    });
    expect(turnedAway({ queuedAt: 0 }, "d1", 5000, 3000, 4000)).toMatchObject({
      kind: "dead-letter",
      reason: expect.stringContaining("within 3 s of"),
    });
  });

  it("is deferred whatever its age with no maximum, or when the queue does not know its age", () => {
    expect(turnedAway({ queuedAt: 0 }, "d", 5000, 0, 100 * hour)).toEqual({ kind: "defer", delayMs: 5000 });
    expect(turnedAway({}, "d", 5000, hour, 100 * hour)).toEqual({ kind: "defer", delayMs: 5000 });
  });
});
