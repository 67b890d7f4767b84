import { describe, expect, it } from "vitest";
import { eventIdOwner, parseDuration, scopedEventId } from "./event-ids.js";

describe("event ids", () => {
  it("reads TRACARDI_DEDUPE_WINDOW durations and refuses other text", () => {
    expect(parseDuration("24h")).toBe(86_400_000);
    expect(parseDuration("30m")).toBe(1_800_000);
    expect(parseDuration("90s")).toBe(90_000);
    expect(parseDuration("7d")).toBe(604_800_000);
    expect(parseDuration("86400")).toBe(86_400_000);
    expect(parseDuration("0")).toBe(0);
    expect(parseDuration("1.5h")).toBeNull();
    expect(parseDuration("-1h")).toBeNull();
    expect(parseDuration("1w")).toBeNull();
  });

  it("scopes an id by its owner, the same every time, within 512 bytes", () => {
    const long = "é".repeat(256);
    const a = eventIdOwner("shop", "p-1", "s-1");
    const b = eventIdOwner("shop", "p-2", "s-1");
    expect(scopedEventId(a, long)).toBe(scopedEventId(a, long));
    expect(scopedEventId(a, long)).not.toBe(scopedEventId(b, long));
    expect(Buffer.byteLength(scopedEventId(a, long))).toBeLessThan(512);
    expect(eventIdOwner("shop", null, "s-1")).not.toBe(eventIdOwner("shop", "s-1", "s-1"));
  });
});
