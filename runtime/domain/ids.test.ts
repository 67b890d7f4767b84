import { describe, expect, it, vi } from "vitest";
import { derivedId, newId } from "./ids.js";

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("newId", () => {
  it("is a UUIDv7 carrying the time in ms", () => {
    vi.useFakeTimers({ now: new Date("2026-12-02T12:00:00.123Z"), toFake: ["Date"] });
    try {
      const id = newId();
      expect(id).toMatch(V7);
      expect(Number.parseInt(id.replace("-", "").slice(0, 12), 16)).toBe(
        Date.parse("2026-12-02T12:00:00.123Z"),
      );
    } finally {
      vi.useRealTimers();
    }
  });

  it("sorts by the time it was made and differs within one ms", () => {
    vi.useFakeTimers({ now: 1_700_000_000_000, toFake: ["Date"] });
    try {
      const early = [newId(), newId()];
      vi.setSystemTime(1_700_000_000_001);
      const late = newId();
      expect(early[0]).not.toBe(early[1]);
      for (const id of early) expect(id < late).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("derivedId", () => {
  const task = "0192f3a4-5b6c-7d8e-9f01-23456789abcd";

  it("is the same for the same task and name, another for another name", () => {
    expect(derivedId(task, "event-0")).toBe(derivedId(task, "event-0"));
    expect(derivedId(task, "event-0")).not.toBe(derivedId(task, "event-1"));
  });

  it("of a UUIDv7 task is a UUIDv7 with the task's time, so it sorts with the task", () => {
    const id = derivedId(task, "event-0");
    expect(id).toMatch(V7);
    expect(id.slice(0, 13)).toBe(task.slice(0, 13));
    expect(derivedId(`delivery:${task}`, "d", task).slice(0, 13)).toBe(task.slice(0, 13));
  });

  it("keeps the version 5 id it always gave for any other task (messages queued before the upgrade)", () => {
    expect(derivedId("t", "x")).toMatch(V5);
    expect(derivedId("3f1c9a52-1b7e-4c2d-9a8b-0c1d2e3f4a5b", "event-0")).toBe(
      "e05c02b5-28a1-5fad-902a-c3b51f737674",
    );
    expect(derivedId("t", "x")).not.toBe(derivedId("u", "x"));
  });
});
