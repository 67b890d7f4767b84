import { describe, expect, it } from "vitest";
import { deliveryCounts, metricTotal, ThroughputBook } from "./throughput.js";

const at = (minute: number, second = 0) => Date.UTC(2026, 11, 2, 1, minute, second);

describe("ThroughputBook", () => {
  it("puts each sample's growth into the minute it was taken in", () => {
    const book = new ThroughputBook(60);
    book.record({ accepted: 5, stored: 3 }, at(10, 5));
    book.record({ accepted: 8, stored: 8 }, at(10, 50));
    book.record({ accepted: 10, stored: 9 }, at(12, 1));
    const series = book.series(at(12, 30), 3);
    expect(series).toEqual([
      { time: "2026-12-02T01:10:00.000Z", accepted: 8, stored: 8 },
      { time: "2026-12-02T01:11:00.000Z", accepted: 0, stored: 0 },
      { time: "2026-12-02T01:12:00.000Z", accepted: 2, stored: 1 },
    ]);
  });

  it("counts from zero again after a counter reset and forgets minutes past the window", () => {
    const book = new ThroughputBook(2);
    book.record({ accepted: 7, stored: 7 }, at(1));
    book.record({ accepted: 2, stored: 1 }, at(5));
    expect(book.series(at(5), 60)).toEqual([
      { time: "2026-12-02T01:04:00.000Z", accepted: 0, stored: 0 },
      { time: "2026-12-02T01:05:00.000Z", accepted: 2, stored: 1 },
    ]);
  });
});

describe("ThroughputBook.setStored", () => {
  it("replaces a minute's stored count and keeps its accepted count", () => {
    const book = new ThroughputBook(60);
    book.record({ accepted: 4, stored: 0 }, at(3, 10));
    book.setStored(at(3), 9);
    book.setStored(at(4), 2);
    expect(book.series(at(4, 30), 2)).toEqual([
      { time: "2026-12-02T01:03:00.000Z", accepted: 4, stored: 9 },
      { time: "2026-12-02T01:04:00.000Z", accepted: 0, stored: 2 },
    ]);
  });
});

describe("metric totals", () => {
  const metrics = [
    {
      name: "tracardi_deliveries_total",
      values: [
        { labels: { destination: "b", result: "delivered" }, value: 3 },
        { labels: { destination: "a", result: "failed" }, value: 2 },
        { labels: { destination: "b", result: "failed" }, value: 1 },
      ],
    },
  ];

  it("sums a metric over its label sets, 0 when absent", () => {
    expect(metricTotal(metrics, "tracardi_deliveries_total")).toBe(6);
    expect(metricTotal(metrics, "tracardi_events_stored_total")).toBe(0);
  });

  it("splits deliveries by destination", () => {
    expect(deliveryCounts(metrics)).toEqual([
      { destination: "a", delivered: 0, failed: 2 },
      { destination: "b", delivered: 3, failed: 1 },
    ]);
  });
});
