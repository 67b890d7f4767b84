import { describe, expect, it } from "vitest";
import { type DestinationRow, pooledRows } from "./destinations.js";

const row = (round: number, setting: string, latencies: number[]): DestinationRow => ({
  queue: "pulsar",
  round,
  setting,
  sent: latencies.length,
  delivered: latencies.filter(Number.isFinite).length,
  p50: 0,
  p99: 0,
  max: 0,
  outcomes: { ack: latencies.length, defer: round },
  cpuSeconds: 1.25,
  refused: 0,
  latencies: [...latencies].sort((a, b) => a - b),
});

describe("pooledRows", () => {
  it("gives each setting a row over the samples of all its rounds", () => {
    const ones = (n: number, value: number) => Array.from({ length: n }, () => value);
    const rows = [
      row(1, "alone", [...ones(98, 10), 30, 40]),
      row(1, "beside", [...ones(98, 10), 50, 60]),
      row(2, "alone", [...ones(98, 10), 20, 20]),
      row(2, "beside", [...ones(99, 10), Number.POSITIVE_INFINITY]),
    ];
    const [alone, beside] = pooledRows(rows);
    expect(alone).toMatchObject({ round: 0, setting: "alone", sent: 200, delivered: 200, p50: 10, p99: 20 });
    expect(alone?.max).toBe(40);
    expect(beside).toMatchObject({ round: 0, setting: "beside", sent: 200, delivered: 199, p99: 50 });
    expect(beside?.max).toBe(Number.POSITIVE_INFINITY);
    expect(beside?.outcomes).toEqual({ ack: 200, defer: 3 });
    expect(beside?.cpuSeconds).toBe(2.5);
  });

  it("adds nothing for a single round", () => {
    expect(pooledRows([row(1, "alone", [1]), row(1, "beside", [2])])).toEqual([]);
  });
});
