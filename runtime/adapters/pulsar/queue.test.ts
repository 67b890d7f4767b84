import { describe, expect, it } from "vitest";
import { retryLaneOptions } from "./queue.js";

describe("the retry topic's loops", () => {
  it("get a quarter of the room in flight, in batches no larger, and the rest of the options as given", () => {
    expect(retryLaneOptions({ maxBatch: 50, maxInFlight: 100, maxAttempts: 10, parallel: 8 })).toEqual({
      maxBatch: 25,
      maxInFlight: 25,
      maxAttempts: 10,
      parallel: 8,
    });
    // Without maxInFlight: a quarter of the default (two batches).
    expect(retryLaneOptions({ maxBatch: 10, maxAttempts: 3 })).toMatchObject({ maxBatch: 5, maxInFlight: 5 });
    expect(retryLaneOptions({ maxBatch: 1, maxAttempts: 3 })).toMatchObject({ maxBatch: 1, maxInFlight: 1 });
  });
});
