import type { Watermark } from "../../../runtime/adapters/search/disk.js";
import type { RuntimeStatusView, SearchDiskReport } from "./runtime-view.js";
import { type CheckResult, CONDITION } from "./types.js";

const UNITS: Record<string, number> = {
  b: 1,
  kb: 1024,
  mb: 1024 ** 2,
  gb: 1024 ** 3,
  tb: 1024 ** 4,
  pb: 1024 ** 5,
};

/** `10gb`, `500mb`, `1024b`, `1024` → bytes; null when not a size. */
export function parseBytes(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgtp]?b)?\s*$/i.exec(text);
  if (!m) return null;
  return Number(m[1]) * (UNITS[(m[2] ?? "b").toLowerCase()] ?? 1);
}

/**
 * The free space a watermark asks of a disk of `total` bytes: a percentage or ratio of used disk
 * (`85%`, `0.85`; capped by its max headroom) or an absolute free size (`10gb`).
 */
export function requiredFreeBytes(w: Watermark, total: number): number | null {
  const value = w.value.trim();
  let usedShare: number | null = null;
  if (value.endsWith("%")) usedShare = Number(value.slice(0, -1)) / 100;
  else if (/^\d*\.\d+$|^[01]$/.test(value)) usedShare = Number(value);
  if (usedShare !== null) {
    if (!Number.isFinite(usedShare)) return null;
    const free = total * (1 - usedShare);
    const headroom = w.maxHeadroom === undefined ? null : parseBytes(w.maxHeadroom);
    return headroom === null ? free : Math.min(free, headroom);
  }
  return parseBytes(value);
}

const GIB = 1024 ** 3;
const gib = (n: number) => `${(n / GIB).toFixed(1)} GiB`;
const pct = (used: number, total: number) => `${((used / total) * 100).toFixed(1)} %`;

function describeWatermark(w: Watermark): string {
  return w.maxHeadroom === undefined ? w.value : `${w.value} (max headroom ${w.maxHeadroom})`;
}

function watermarks(report: SearchDiskReport): string {
  const { low, high, floodStage } = report.watermarks;
  return `watermarks low ${describeWatermark(low)}, high ${describeWatermark(high)}, flood stage ${describeWatermark(floodStage)}`;
}

const SETTINGS =
  "free disk space or add data nodes, or raise cluster.routing.allocation.disk.watermark.low/high/flood_stage (PUT _cluster/settings)";

interface NodeDisk {
  name: string;
  used: number;
  total: number;
  pastHigh: boolean;
  pastFlood: boolean;
}

function nodeDisks(report: SearchDiskReport): NodeDisk[] {
  return report.nodes
    .filter((n) => n.totalBytes > 0)
    .map((n) => {
      const high = requiredFreeBytes(report.watermarks.high, n.totalBytes);
      const flood = requiredFreeBytes(report.watermarks.floodStage, n.totalBytes);
      return {
        name: n.name,
        used: n.totalBytes - n.availableBytes,
        total: n.totalBytes,
        pastHigh: high !== null && n.availableBytes < high,
        pastFlood: flood !== null && n.availableBytes < flood,
      };
    });
}

const describeNode = (n: NodeDisk) =>
  `data node ${n.name} uses ${pct(n.used, n.total)} of its disk (${gib(n.used)} of ${gib(n.total)})`;

/**
 * SearchDiskPressure (seed item 7, before it bites; True is bad, like the kubelet's DiskPressure):
 * True/FloodStage when one of this Tracardi's indices is read-only, True/HighWatermark when a data
 * node passed the high disk watermark, False/BelowWatermarks otherwise.
 */
export function diagnoseSearchDisk(view: RuntimeStatusView, podReports: readonly string[] = []): CheckResult {
  const type = CONDITION.SearchDiskPressure;
  const readable = view.state === "read" && "value" in view.searchDisk;
  if (!readable && podReports.length > 0) {
    // The runtime's pods are unready because an index is read-only: their log line says so.
    return { type, status: "True", reason: "FloodStage", message: podReports.join("; ") };
  }
  if (view.state === "unavailable")
    return { type, status: "Unknown", reason: "StatusUnavailable", message: view.message };
  if ("error" in view.searchDisk) {
    return {
      type,
      status: "Unknown",
      reason: "StatusUnavailable",
      message: `the runtime could not read the search cluster's disk: ${view.searchDisk.error}`,
    };
  }
  const report = view.searchDisk.value;
  if (report === null) {
    return {
      type,
      status: "Unknown",
      reason: "NoSearchCluster",
      message: "the runtime keeps its data embedded: there is no search cluster to watch",
    };
  }
  const nodes = nodeDisks(report);
  const off = report.thresholdEnabled
    ? ""
    : " (the cluster does not enforce them: cluster.routing.allocation.disk.threshold_enabled is false)";
  if (report.readOnlyIndices.length > 0) {
    const full = nodes.filter((n) => n.pastFlood);
    const where = (full.length > 0 ? full : nodes.filter((n) => n.pastHigh)).map(describeNode);
    return {
      type,
      status: "True",
      reason: "FloodStage",
      message: `index ${report.readOnlyIndices.join(", ")} at ${report.cluster} is read-only (index.blocks.read_only_allow_delete): the flood-stage disk watermark was passed and events are not stored${where.length > 0 ? `; ${where.join("; ")}` : ""}; ${watermarks(report)}; ${SETTINGS}; the block is lifted once the node is below the high watermark (on older versions: PUT <index>/_settings {"index.blocks.read_only_allow_delete": null})`,
    };
  }
  const high = nodes.filter((n) => n.pastHigh);
  if (high.length > 0) {
    return {
      type,
      status: "True",
      reason: "HighWatermark",
      message: `${high.map(describeNode).join("; ")} at ${report.cluster}, past the high disk watermark: shards move away and at the flood stage indices turn read-only; ${watermarks(report)}${off}; ${SETTINGS}`,
    };
  }
  // Stable while healthy: disk use changes all the time, the status should not.
  return {
    type,
    status: "False",
    reason: "BelowWatermarks",
    message: `every data node at ${report.cluster} is below the high disk watermark (${describeWatermark(report.watermarks.high)})`,
  };
}
