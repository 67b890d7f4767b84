import { describe, expect, it } from "vitest";
import { isTimeZone, parseIsoDate, parseOffset } from "./dates.js";

describe("parseIsoDate", () => {
  it("reads ISO 8601 dates, date-times, fractions and zones; no zone is UTC", () => {
    expect(parseIsoDate("2021-01-10")?.toISOString()).toBe("2021-01-10T00:00:00.000Z");
    expect(parseIsoDate("2021-01-10 00:00:01")?.toISOString()).toBe("2021-01-10T00:00:01.000Z");
    expect(parseIsoDate("2024-03-01T10:00:00.123456Z")?.toISOString()).toBe("2024-03-01T10:00:00.123Z");
    expect(parseIsoDate("2024-03-01T10:00:00+02:00")?.toISOString()).toBe("2024-03-01T08:00:00.000Z");
    expect(parseIsoDate("2024-03-01T10:00-0130")?.toISOString()).toBe("2024-03-01T11:30:00.000Z");
  });

  it("refuses dates that do not exist and text that is no date", () => {
    for (const text of ["2021-02-30", "2021-13-01", "2021-01-10T24:00:00", "yesterday", "1650976227", ""]) {
      expect(parseIsoDate(text), text).toBeUndefined();
    }
  });
});

describe("parseOffset", () => {
  it("reads pytimeparse's forms, signed, in milliseconds", () => {
    expect(parseOffset("-1d")).toBe(-86_400_000);
    expect(parseOffset("+1m")).toBe(60_000);
    expect(parseOffset("30m")).toBe(1_800_000);
    expect(parseOffset("1h 30m")).toBe(5_400_000);
    expect(parseOffset("2 days")).toBe(172_800_000);
    expect(parseOffset("1w")).toBe(604_800_000);
    expect(parseOffset("1.5h")).toBe(5_400_000);
    expect(parseOffset("1:30")).toBe(90_000);
    expect(parseOffset("-1:00:00")).toBe(-3_600_000);
    expect(parseOffset("90")).toBe(90_000);
  });

  it("refuses unknown units and text that is no offset", () => {
    for (const text of ["1y", "yesterday", "d", "-", "", "1d x", "1 constructor", "2 __proto__", "1 valueOf"])
      expect(parseOffset(text), text).toBeUndefined();
  });
});

describe("isTimeZone", () => {
  it("knows IANA zone names in any case", () => {
    expect(isTimeZone("Europe/Warsaw")).toBe(true);
    expect(isTimeZone("europe/paris")).toBe(true);
    expect(isTimeZone("UTC")).toBe(true);
    expect(isTimeZone("Mars/Olympus")).toBe(false);
    expect(isTimeZone("")).toBe(false);
  });
});
