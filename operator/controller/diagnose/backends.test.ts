import { describe, expect, it } from "vitest";
import { diagnoseBackends, diskWatermarkReports, openProblems } from "./backends.js";

const MYSQL = "MySQL at mysql:3306 does not answer: connect ECONNREFUSED 10.0.0.7:3306";
const WATERMARK =
  "OpenSearch at http://search:9200: disk watermark exceeded, index tracardi-event is read-only (index.blocks.read_only_allow_delete); free disk space, then clear the block";

describe("openProblems", () => {
  it("keeps what was reported and not recovered from, whatever precedes the marker", () => {
    const lines = [
      "Tracardi runtime (api) listening",
      `2026-11-28T10:00:00Z backend problem: ${MYSQL}`,
      "backend problem: Pulsar at http://pulsar:8080 does not answer: fetch failed",
      "backend recovered: Pulsar at http://pulsar:8080 does not answer: fetch failed",
    ];
    expect(openProblems(lines)).toEqual([MYSQL]);
  });

  it("is empty for a log without problems", () => {
    expect(openProblems(["GET /readyz 503"])).toEqual([]);
  });

  it("leaves the runtime's own pipeline problems (a stalled stage) out: they are not lost connections", () => {
    const lines = [
      "pipeline problem: stage collector is stalled: messages wait longer than 120 s and none is settled",
    ];
    expect(openProblems(lines)).toEqual([]);
  });
});

describe("diagnoseBackends", () => {
  it("is True when no unready pod reports a problem", () => {
    expect(diagnoseBackends([{ component: "public-api", pod: "p-1", lines: ["starting"] }])).toMatchObject({
      type: "BackendsReachable",
      status: "True",
      reason: "NoneReported",
    });
  });

  it("names each lost connection once, with the pods that report it", () => {
    const result = diagnoseBackends([
      { component: "public-api", pod: "p-1", lines: [`backend problem: ${MYSQL}`] },
      { component: "private-api", pod: "q-1", lines: [`backend problem: ${MYSQL}`] },
    ]);
    expect(result).toMatchObject({ status: "False", reason: "ConnectionLost" });
    expect(result.message).toBe(`${MYSQL} (reported by public-api pod p-1, private-api pod q-1)`);
  });

  it("says DiskWatermark when an index is blocked, even next to a lost connection", () => {
    const result = diagnoseBackends([
      { component: "wk-pl-background", pod: "b-1", lines: [`backend problem: ${WATERMARK}`] },
      { component: "public-api", pod: "p-1", lines: [`backend problem: ${MYSQL}`] },
    ]);
    expect(result.reason).toBe("DiskWatermark");
    expect(result.message).toContain("read-only");
    expect(result.message).toContain(MYSQL);
  });

  it("keeps the message short", () => {
    const lines = Array.from(
      { length: 50 },
      (_, i) => `backend problem: host-${i}:3306 does not answer: ${"x".repeat(40)}`,
    );
    expect(
      diagnoseBackends([{ component: "public-api", pod: "p-1", lines }]).message.length,
    ).toBeLessThanOrEqual(1000);
  });
});

describe("diskWatermarkReports", () => {
  it("keeps only the disk-watermark problems, each with the pods that report it", () => {
    const logs = [
      {
        component: "public-api",
        pod: "p-1",
        lines: [`backend problem: ${WATERMARK}`, `backend problem: ${MYSQL}`],
      },
      { component: "private-api", pod: "q-1", lines: [`backend problem: ${WATERMARK}`] },
      {
        component: "wk-apm",
        pod: "a-1",
        lines: [`backend problem: ${WATERMARK}`, `backend recovered: ${WATERMARK}`],
      },
    ];
    expect(diskWatermarkReports(logs)).toEqual([
      `${WATERMARK} (reported by public-api pod p-1, private-api pod q-1)`,
    ]);
  });
});
