import { describe, expect, it } from "vitest";
import { KeyHolds } from "./holds.js";

describe("KeyHolds", () => {
  it("lets everything through for a key without a held message", () => {
    expect(new KeyHolds().mustWait("k", undefined)).toBe(false);
  });

  it("holds later messages of a key behind its re-published head, in order", () => {
    const holds = new KeyHolds();
    expect(holds.schedule("k", "head", 1000)).toBe(1000);
    expect(holds.mustWait("k", undefined, 500)).toBe(true);
    expect(holds.mustWait("k", "head", 500)).toBe(false);
    expect(holds.mustWait("other", undefined, 500)).toBe(false);
    // Followers go behind the head, one after another.
    expect(holds.schedule("k", "f1", 500)).toBe(1001);
    expect(holds.schedule("k", "f2", 500)).toBe(1002);
    // The head fails again later: followers coming back before it go behind it again.
    expect(holds.schedule("k", "head", 3000)).toBe(3000);
    expect(holds.schedule("k", "f1", 1001)).toBe(3001);
    holds.release("k", "f1");
    expect(holds.mustWait("k", "f2", 1002)).toBe(true);
    holds.release("k", "head");
    expect(holds.mustWait("k", "f2", 3002)).toBe(false);
    // f2 is still out on the retry topic: a new message of the key waits behind it.
    expect(holds.mustWait("k", undefined, 3002)).toBe(true);
    holds.release("k", "f2");
    expect(holds.mustWait("k", undefined, 3003)).toBe(false);
  });

  it("hands the head on to the earliest waiting message when the head is done", () => {
    const holds = new KeyHolds();
    holds.schedule("k", "head", 1000);
    holds.schedule("k", "f1", 0);
    holds.schedule("k", "f2", 0);
    holds.release("k", "head");
    expect(holds.mustWait("k", "f2", 1002)).toBe(true);
    expect(holds.mustWait("k", "f1", 1002)).toBe(false);
    // A message done that is not the head leaves the head where it is.
    holds.release("k", "f2");
    expect(holds.mustWait("k", undefined, 1002)).toBe(true);
    holds.release("k", "f1");
    expect(holds.mustWait("k", undefined, 1002)).toBe(false);
  });

  it("gives a hold up when its head does not come back within the grace time", () => {
    const holds = new KeyHolds(100);
    holds.schedule("k", "head", 1000);
    expect(holds.mustWait("k", "x", 1100)).toBe(true);
    expect(holds.mustWait("k", "x", 1101)).toBe(false);
  });
});
