import { describe, expect, it } from "vitest";
import { DestinationSlots } from "./slots.js";

describe("DestinationSlots", () => {
  it("hands a released slot to a waiter, per destination", async () => {
    const slots = new DestinationSlots(1, 1000);
    expect(await slots.acquire("a")).toBe(true);
    expect(await slots.acquire("b")).toBe(true);
    const waiting = slots.acquire("a");
    slots.release("a");
    expect(await waiting).toBe(true);
  });

  it("gives up after the wait when the destination never frees a slot", async () => {
    const slots = new DestinationSlots(1, 20);
    await slots.acquire("a");
    expect(await slots.acquire("a")).toBe(false);
    slots.release("a");
    expect(await slots.acquire("a")).toBe(true);
  });

  it("does not wait for a slot of a destination stuck longer than the wait", async () => {
    const slots = new DestinationSlots(1, 1000);
    const start = Date.now();
    await slots.acquire("a", start);
    const stuck = slots.acquire("a", start + 1001);
    // A waiter would get this slot; the caller has already been answered.
    slots.release("a");
    expect(await stuck).toBe(false);
    expect(await slots.acquire("a")).toBe(true);
  });

  it("defers a stuck destination's deliveries by as long as it has been stuck, within bounds", async () => {
    const slots = new DestinationSlots(1, 20, 100, 300);
    const start = Date.now();
    await slots.acquire("a");
    expect(await slots.acquire("a")).toBe(false);
    expect(slots.busyDelayMs("a", start + 50)).toBe(100);
    expect(slots.busyDelayMs("a", start + 200)).toBe(200);
    expect(slots.busyDelayMs("a", start + 10_000)).toBe(300);
    expect(slots.busyDelayMs("b")).toBe(100);
    slots.release("a");
    expect(slots.busyDelayMs("a", Date.now())).toBe(100);
  });
});
