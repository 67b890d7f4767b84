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

  it("backs off while the destination stays full, until one of its deliveries ends", async () => {
    const slots = new DestinationSlots(1, 20, 100, 300);
    await slots.acquire("a");
    expect(await slots.acquire("a")).toBe(false);
    expect(slots.busyDelayMs("a")).toBe(100);
    expect(await slots.acquire("a")).toBe(false);
    expect(slots.busyDelayMs("a")).toBe(200);
    await slots.acquire("a");
    expect(slots.busyDelayMs("a")).toBe(300);
    expect(slots.busyDelayMs("b")).toBe(100);
    slots.release("a");
    expect(slots.busyDelayMs("a")).toBe(100);
    expect(await slots.acquire("a")).toBe(true);
  });
});
