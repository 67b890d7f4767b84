import { type AddressInfo, connect, createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { DestinationSlots, FAILURES_TO_PARK } from "./slots.js";

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

  it("keeps waiting for a slot while the destination goes on answering", async () => {
    const slots = new DestinationSlots(2, 20);
    await slots.acquire("a");
    await slots.acquire("a");
    const first = slots.acquire("a");
    const second = slots.acquire("a");
    setTimeout(() => slots.release("a", "healthy"), 15);
    // Past the second waiter's wait, but an answer came within it.
    setTimeout(() => slots.release("a", "healthy"), 30);
    expect(await first).toBe(true);
    expect(await second).toBe(true);
  });

  it("hands slots to waiters in order of arrival, and lets all that are left give up when it stops answering", async () => {
    const slots = new DestinationSlots(1, 20);
    await slots.acquire("a");
    const order: number[] = [];
    const waiting = Array.from({ length: 50 }, (_, n) =>
      slots.acquire("a").then((slot) => {
        if (slot) order.push(n);
        return slot;
      }),
    );
    slots.release("a", "healthy");
    slots.release("a", "healthy");
    const got = await Promise.all(waiting);
    expect(order).toEqual([0, 1]);
    expect(got.filter((slot) => !slot)).toHaveLength(48);
    // Two still hold a slot; once freed, the destination takes deliveries again.
    slots.release("a", "healthy");
    slots.release("a", "healthy");
    expect(await slots.acquire("a")).toBe(true);
  });

  it("does not wait for a slot of a destination stuck longer than the wait", async () => {
    // A wait of a minute would outlast the test's timeout.
    const slots = new DestinationSlots(1, 60_000);
    const start = Date.now();
    await slots.acquire("a", 0, start);
    expect(await slots.acquire("a", 0, start + 60_001)).toBe(false);
    slots.release("a");
    expect(await slots.acquire("a")).toBe(true);
  });

  it("lets a stuck-looking destination's caller have a slot that an answer already here frees", async () => {
    const slots = new DestinationSlots(1, 60_000);
    const start = Date.now();
    await slots.acquire("a", 0, start);
    const asking = slots.acquire("a", 0, start + 60_001);
    slots.release("a", "healthy");
    expect(await asking).toBe(true);
  });

  it("hands a slot to a waiter when the answer that frees it came while the event loop was busy", async () => {
    const slots = new DestinationSlots(1, 20);
    await slots.acquire("a");
    const server = createServer((socket) => socket.on("data", () => slots.release("a", "healthy")));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const client = connect((server.address() as AddressInfo).port, "127.0.0.1");
    await new Promise((resolve) => client.once("connect", resolve));
    await new Promise((resolve) => setTimeout(resolve, 20));
    try {
      const waiting = slots.acquire("a");
      client.write("answered");
      // Busy past the wait: its timer and the answer are both due when the loop gets back to them.
      const until = Date.now() + 100;
      while (Date.now() < until);
      expect(await waiting).toBe(true);
    } finally {
      client.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("defers a stuck destination's deliveries by as long as it has been stuck, within bounds", async () => {
    const slots = new DestinationSlots(1, 20, 100, 300, () => 0);
    const start = Date.now();
    await slots.acquire("a", 0, start);
    expect(await slots.acquire("a")).toBe(false);
    expect(slots.busyDelayMs("a", start + 50)).toBe(100);
    expect(slots.busyDelayMs("a", start + 200)).toBe(200);
    expect(slots.busyDelayMs("a", start + 10_000)).toBe(300);
    expect(slots.busyDelayMs("b")).toBe(100);
    slots.release("a");
    expect(slots.busyDelayMs("a", Date.now())).toBe(100);
  });

  it("parks a destination whose delivery got no answer: one probe at a time until one is answered", async () => {
    const slots = new DestinationSlots(4, 1000);
    expect(await slots.acquire("a")).toBe(true);
    expect(await slots.acquire("a")).toBe(true);
    slots.release("a", "unanswered");
    expect(slots.isParked("a")).toBe(true);
    // One still in flight: the probe slot is taken, the next is turned away without waiting.
    expect(await slots.acquire("a")).toBe(false);
    slots.release("a", "unanswered");
    expect(await slots.acquire("a")).toBe(true);
    expect(await slots.acquire("a")).toBe(false);
    // Another destination is not affected.
    expect(await slots.acquire("b")).toBe(true);
    expect(await slots.acquire("b")).toBe(true);
    // The probe is answered (any status): the destination takes `limit` again.
    slots.release("a", "healthy");
    expect(slots.isParked("a")).toBe(false);
    for (let n = 0; n < 4; n++) expect(await slots.acquire("a")).toBe(true);
  });

  it("parks a destination after FAILURES_TO_PARK failing answers in a row, and probes it after a growing gap", async () => {
    const slots = new DestinationSlots(4, 20, 100, 5000, () => 0);
    const start = Date.now();
    for (let n = 1; n < FAILURES_TO_PARK; n++) {
      expect(await slots.acquire("a", 1000, start)).toBe(true);
      slots.release("a", "failing", start);
    }
    // A healthy answer in between starts the count again.
    expect(await slots.acquire("a", 1000, start)).toBe(true);
    slots.release("a", "healthy", start);
    for (let n = 1; n < FAILURES_TO_PARK; n++) {
      await slots.acquire("a", 1000, start);
      slots.release("a", "failing", start);
    }
    expect(slots.isParked("a")).toBe(false);
    await slots.acquire("a", 1000, start);
    slots.release("a", "failing", start);
    expect(slots.isParked("a")).toBe(true);
    // No probe until the gap (minDelayMs at first) is over; its deliveries are deferred meanwhile.
    expect(await slots.acquire("a", 1000, start + 50)).toBe(false);
    expect(slots.busyDelayMs("a", start + 50)).toBe(100);
    expect(await slots.acquire("a", 1000, start + 100)).toBe(true);
    // The probe fails 4 s into the parking: the next one waits as long again, at most maxDelayMs.
    slots.release("a", "failing", start + 4000);
    expect(await slots.acquire("a", 1000, start + 7999)).toBe(false);
    expect(await slots.acquire("a", 1000, start + 8000)).toBe(true);
    slots.release("a", "failing", start + 60_000);
    expect(await slots.acquire("a", 1000, start + 64_999)).toBe(false);
    expect(slots.busyDelayMs("a", start + 64_999)).toBe(64_999);
    expect(await slots.acquire("a", 1000, start + 65_000)).toBe(true);
    // Answered without trouble: unparked.
    slots.release("a", "healthy", start + 65_010);
    expect(slots.isParked("a")).toBe(false);
    for (let n = 0; n < 4; n++) expect(await slots.acquire("a", 1000, start + 65_010)).toBe(true);
  });

  it("turns its waiters away once a destination is parked, rather than handing them the slots it frees", async () => {
    const slots = new DestinationSlots(2, 1000);
    expect(await slots.acquire("a", 1000)).toBe(true);
    expect(await slots.acquire("a", 1000)).toBe(true);
    const waiting = [slots.acquire("a", 1000), slots.acquire("a", 1000)];
    slots.release("a", "unanswered");
    expect(slots.isParked("a")).toBe(true);
    expect(await Promise.all(waiting)).toEqual([false, false]);
  });

  it("does not park a destination that is only full, however long", async () => {
    const slots = new DestinationSlots(1, 20, 250, 5000, () => 0);
    const start = Date.now();
    await slots.acquire("a", 10_000, start);
    expect(await slots.acquire("a", 10_000, start + 21)).toBe(false);
    expect(slots.isParked("a")).toBe(false);
    expect(slots.busyDelayMs("a", start + 300)).toBe(300);
    // A release that tells nothing (the delivery was made before) does not park it either.
    slots.release("a");
    expect(slots.isParked("a")).toBe(false);
  });

  it("defers a parked destination's deliveries until its probe has decided, spread over half as long again", async () => {
    let next = 0;
    const slots = new DestinationSlots(1, 20, 100, 300, () => next);
    const start = Date.now();
    await slots.acquire("a", 0, start);
    slots.release("a", "unanswered", start);
    expect(await slots.acquire("a", 2000, start + 10)).toBe(true);
    expect(await slots.acquire("a", 2000, start + 10)).toBe(false);
    expect(slots.busyDelayMs("a", start + 10)).toBe(2000);
    expect(slots.busyDelayMs("a", start + 510)).toBe(1500);
    next = 0.999;
    expect(slots.busyDelayMs("a", start + 510)).toBe(2249);
    // Past the probe's timeout: as long as it has been parked.
    next = 0;
    expect(slots.busyDelayMs("a", start + 5000)).toBe(5000);
  });

  it("defers a long-parked destination's deliveries for as long as it has been parked, up to a bound", async () => {
    const slots = new DestinationSlots(1, 20, 100, 300, () => 0, 60_000);
    const start = Date.now();
    await slots.acquire("a", 0, start);
    slots.release("a", "unanswered", start);
    expect(await slots.acquire("a", 1000, start + 30_000)).toBe(true);
    expect(await slots.acquire("a", 1000, start + 30_000)).toBe(false);
    expect(slots.busyDelayMs("a", start + 30_000)).toBe(30_000);
    expect(slots.busyDelayMs("a", start + 600_000)).toBe(60_000);
    // Answered: no longer parked, and a later parking counts from its own start.
    slots.release("a", "healthy", start + 600_000);
    await slots.acquire("a", 0, start + 600_000);
    slots.release("a", "unanswered", start + 600_000);
    expect(await slots.acquire("a", 1000, start + 600_010)).toBe(true);
    expect(slots.busyDelayMs("a", start + 600_010)).toBe(1000);
  });

  it("lets more deliveries in while the destination answers quickly, and fewer after failures", async () => {
    const slots = new DestinationSlots({ initial: 2, min: 1, max: 16 }, 20);
    expect(await slots.acquire("a")).toBe(true);
    expect(await slots.acquire("a")).toBe(true);
    const third = slots.acquire("a");
    // Both answered fast with the limit in use: it grows, and the waiter gets a slot.
    slots.record("a", { latencyMs: 1, failed: false });
    slots.record("a", { latencyMs: 1, failed: false });
    expect(slots.limitOf("a")).toBe(4);
    slots.release("a", "healthy");
    expect(await third).toBe(true);
    slots.record("a", { latencyMs: 1, failed: true });
    expect(slots.limitOf("a")).toBe(2);
    expect(slots.limitOf("b")).toBe(2);
  });

  it("hands no slot to a waiter while more are in flight than a shrunk limit", async () => {
    const slots = new DestinationSlots({ initial: 4, min: 1, max: 16 }, 20);
    for (let i = 0; i < 4; i++) await slots.acquire("a");
    const waiting = slots.acquire("a");
    slots.record("a", { latencyMs: 1, failed: true });
    slots.release("a", "healthy");
    // 3 in flight, limit 2: the waiter gives up after its wait.
    expect(await waiting).toBe(false);
  });
});
