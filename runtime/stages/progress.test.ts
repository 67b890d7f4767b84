import { describe, expect, it } from "vitest";
import { describeStall, findStalls, StageProgressBook } from "./progress.js";

const SECOND = 1000;

describe("StageProgressBook", () => {
  it("counts acks and dead letters as progress, and keeps the last failure reason", () => {
    const book = new StageProgressBook();
    book.started("dispatch", "dispatch", 0);
    book.handled("dispatch", [{ kind: "retry", reason: "HTTP 500" }, { kind: "defer" }], 10);
    expect(book.snapshot(null)).toEqual([
      {
        stage: "dispatch",
        topic: "dispatch",
        startedAt: 0,
        lastSettledAt: null,
        lastError: { message: "HTTP 500", at: 10 },
        pausedBecause: null,
      },
    ]);
    // Registering again (the stage consumes after waiting) keeps when it started.
    book.started("dispatch", "dispatch", 15);
    expect(book.snapshot(null)[0]?.startedAt).toBe(0);
    book.handled("dispatch", [{ kind: "ack" }], 20);
    book.failed("dispatch", new Error("database is locked"), 30);
    const [entry] = book.snapshot("licence expired");
    expect(entry).toMatchObject({
      lastSettledAt: 20,
      lastError: { message: "database is locked", at: 30 },
      pausedBecause: "licence expired",
    });
    book.handled("dispatch", [{ kind: "dead-letter", reason: "HTTP 404" }], 40);
    expect(book.snapshot(null)[0]).toMatchObject({ lastSettledAt: 40, lastError: { message: "HTTP 404" } });
  });
});

describe("findStalls", () => {
  const stage = {
    stage: "dispatch",
    topic: "dispatch" as const,
    startedAt: 0,
    lastSettledAt: null,
    lastError: { message: "connect ECONNREFUSED", at: 1 },
    pausedBecause: null,
  };
  const now = 200 * SECOND;

  it("names a stage whose oldest message waits longer than the stall time while it settles nothing", () => {
    const stalls = findStalls([stage], new Map([["dispatch", 50 * SECOND]]), now, 120 * SECOND);
    expect(stalls).toEqual([
      {
        stage: "dispatch",
        topic: "dispatch",
        oldestWaitingSeconds: 150,
        secondsWithoutProgress: 200,
        lastError: "connect ECONNREFUSED",
        pausedBecause: null,
      },
    ]);
    const { summary, detail } = describeStall(stalls[0] as (typeof stalls)[0], 120 * SECOND);
    expect(summary).toBe("stage dispatch is stalled: messages wait longer than 120 s and none is settled");
    expect(detail).toBe(
      "stage dispatch is stalled: oldest waiting message 150 s old, nothing settled for 200 s; last error: connect ECONNREFUSED",
    );
  });

  it("does not call a stage stalled that has nothing waiting, young messages, or recent progress", () => {
    const stall = 120 * SECOND;
    expect(findStalls([stage], new Map([["dispatch", null]]), now, stall)).toEqual([]);
    expect(findStalls([stage], new Map(), now, stall)).toEqual([]);
    expect(findStalls([stage], new Map([["dispatch", 100 * SECOND]]), now, stall)).toEqual([]);
    const progressing = { ...stage, lastSettledAt: 150 * SECOND };
    expect(findStalls([progressing], new Map([["dispatch", 0]]), now, stall)).toEqual([]);
    const justStarted = { ...stage, startedAt: 150 * SECOND };
    expect(findStalls([justStarted], new Map([["dispatch", 0]]), now, stall)).toEqual([]);
  });

  it("is switched off with a stall time of 0", () => {
    expect(findStalls([stage], new Map([["dispatch", 0]]), now, 0)).toEqual([]);
  });

  it("says a paused stage is paused rather than its last error", () => {
    const paused = { ...stage, pausedBecause: "licence expired" };
    const [stall] = findStalls([paused], new Map([["dispatch", 0]]), now, 120 * SECOND);
    expect(stall && describeStall(stall, 120 * SECOND).detail).toMatch(
      /; processing paused: licence expired$/,
    );
  });
});
