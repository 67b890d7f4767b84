import { describe, expect, it } from "vitest";
import type { RuntimeStatusView, SearchDiskReport } from "./runtime-view.js";
import { diagnoseSearchDisk, parseBytes, requiredFreeBytes } from "./search-disk.js";

const GIB = 1024 ** 3;
const report = (r: Partial<SearchDiskReport>): RuntimeStatusView => ({
  state: "read",
  merging: { error: "n/a" },
  searchDisk: {
    value: {
      cluster: "http://search:9200",
      thresholdEnabled: true,
      watermarks: { low: { value: "85%" }, high: { value: "90%" }, floodStage: { value: "95%" } },
      nodes: [{ name: "n1", totalBytes: 100 * GIB, availableBytes: 50 * GIB }],
      readOnlyIndices: [],
      ...r,
    },
  },
});

describe("watermark arithmetic", () => {
  it("reads sizes, percentages, ratios and max headrooms as the engines do", () => {
    expect(parseBytes("10gb")).toBe(10 * GIB);
    expect(parseBytes("500MB")).toBe(500 * 1024 ** 2);
    expect(parseBytes("85%")).toBeNull();
    expect(requiredFreeBytes({ value: "90%" }, 100 * GIB)).toBeCloseTo(10 * GIB);
    expect(requiredFreeBytes({ value: "0.9" }, 100 * GIB)).toBeCloseTo(10 * GIB);
    expect(requiredFreeBytes({ value: "20gb" }, 100 * GIB)).toBe(20 * GIB);
    // Elasticsearch 8: 90 % of 10 TiB asks 1 TiB free, the 150gb headroom caps it.
    expect(requiredFreeBytes({ value: "90%", maxHeadroom: "150gb" }, 10240 * GIB)).toBe(150 * GIB);
  });
});

describe("SearchDiskPressure", () => {
  it("is False/BelowWatermarks with a message that does not move with disk use", () => {
    const a = diagnoseSearchDisk(report({}));
    const b = diagnoseSearchDisk(
      report({ nodes: [{ name: "n1", totalBytes: 100 * GIB, availableBytes: 40 * GIB }] }),
    );
    expect(a).toEqual({
      type: "SearchDiskPressure",
      status: "False",
      reason: "BelowWatermarks",
      message: "every data node at http://search:9200 is below the high disk watermark (90%)",
    });
    expect(b).toEqual(a);
  });

  it("is True/HighWatermark naming the node, its disk use, the watermarks and the settings", () => {
    const c = diagnoseSearchDisk(
      report({
        nodes: [
          { name: "n1", totalBytes: 100 * GIB, availableBytes: 50 * GIB },
          { name: "n2", totalBytes: 100 * GIB, availableBytes: 8 * GIB },
        ],
      }),
    );
    expect(c).toMatchObject({ status: "True", reason: "HighWatermark" });
    expect(c.message).toBe(
      "data node n2 uses 92.0 % of its disk (92.0 GiB of 100.0 GiB) at http://search:9200, past the high disk watermark: shards move away and at the flood stage indices turn read-only; watermarks low 85%, high 90%, flood stage 95%; free disk space or add data nodes, or raise cluster.routing.allocation.disk.watermark.low/high/flood_stage (PUT _cluster/settings)",
    );
  });

  it("applies an absolute watermark and a max headroom", () => {
    const absolute = report({
      watermarks: { low: { value: "30gb" }, high: { value: "20gb" }, floodStage: { value: "10gb" } },
      nodes: [{ name: "n1", totalBytes: 100 * GIB, availableBytes: 19 * GIB }],
    });
    expect(diagnoseSearchDisk(absolute).reason).toBe("HighWatermark");
    const big = report({
      watermarks: {
        low: { value: "85%", maxHeadroom: "200gb" },
        high: { value: "90%", maxHeadroom: "150gb" },
        floodStage: { value: "95%", maxHeadroom: "100gb" },
      },
      // 10 TiB at 95 % used: 512 GiB free, more than the 150gb headroom asks.
      nodes: [{ name: "n1", totalBytes: 10240 * GIB, availableBytes: 512 * GIB }],
    });
    expect(diagnoseSearchDisk(big).reason).toBe("BelowWatermarks");
  });

  it("is True/FloodStage when an index is read-only, saying how to lift the block", () => {
    const c = diagnoseSearchDisk(
      report({
        nodes: [{ name: "n1", totalBytes: 100 * GIB, availableBytes: 3 * GIB }],
        readOnlyIndices: ["shop-tracardi-event"],
      }),
    );
    expect(c).toMatchObject({ status: "True", reason: "FloodStage" });
    expect(c.message).toContain("index shop-tracardi-event at http://search:9200 is read-only");
    expect(c.message).toContain("data node n1 uses 97.0 % of its disk");
    expect(c.message).toContain('{"index.blocks.read_only_allow_delete": null}');
  });

  it("mentions thresholds the cluster does not enforce", () => {
    const c = diagnoseSearchDisk(
      report({
        thresholdEnabled: false,
        nodes: [{ name: "n1", totalBytes: 100 * GIB, availableBytes: 1 * GIB }],
      }),
    );
    expect(c.message).toContain("threshold_enabled is false");
  });

  it("is Unknown when the runtime cannot be asked, cannot read the cluster, or has none", () => {
    expect(diagnoseSearchDisk({ state: "unavailable", message: "m" })).toMatchObject({
      status: "Unknown",
      reason: "StatusUnavailable",
    });
    expect(
      diagnoseSearchDisk({ state: "read", merging: { error: "" }, searchDisk: { error: "HTTP 403" } })
        .message,
    ).toContain("HTTP 403");
    expect(
      diagnoseSearchDisk({ state: "read", merging: { error: "" }, searchDisk: { value: null } }).reason,
    ).toBe("NoSearchCluster");
  });

  it("is True/FloodStage from the unready pods' own line when the runtime cannot be asked (a read-only index makes every pod unready)", () => {
    const line =
      "http://search:9200: disk watermark exceeded, index shop-tracardi-event is read-only (index.blocks.read_only_allow_delete); data node n1 uses 97.0 % of its disk (100.0 GiB); watermarks low 85%, high 90%, flood stage 95%; free disk space … (reported by public-api pod shop-public-api-1)";
    expect(
      diagnoseSearchDisk({ state: "unavailable", message: "no private-api pod is ready" }, [line]),
    ).toEqual({
      type: "SearchDiskPressure",
      status: "True",
      reason: "FloodStage",
      message: line,
    });
    // What the runtime reports itself wins when it can be asked.
    expect(diagnoseSearchDisk(report({}), [line]).reason).toBe("BelowWatermarks");
  });
});
