import { expectOk, reason, type SearchClient } from "./client.js";
import type { IndexNames } from "./indices.js";

/** One disk watermark as the cluster applies it: the setting's value and, where one applies, its max headroom. */
export interface Watermark {
  /** As the cluster reports it: `85%`, `0.85`, or a free-space size such as `10gb`. */
  value: string;
  /** Caps the free space a percentage asks for (Elasticsearch 8+), e.g. `150gb`; absent when none applies. */
  maxHeadroom?: string;
}

/** The search cluster's disk as `/api/v1/status` reports it (the operator's SearchDiskPressure reads it). */
export interface SearchDiskReport {
  /** `scheme://host:port` of the cluster (no credentials). */
  cluster: string;
  /** `cluster.routing.allocation.disk.threshold_enabled`: false switches the watermarks off. */
  thresholdEnabled: boolean;
  watermarks: { low: Watermark; high: Watermark; floodStage: Watermark };
  /** Data nodes only: they hold shards, so their disk decides. */
  nodes: { name: string; totalBytes: number; availableBytes: number }[];
  /** This runtime's indices the flood stage made read-only (`index.blocks.read_only_allow_delete`). */
  readOnlyIndices: string[];
}

const PREFIX = "cluster.routing.allocation.disk.";
type FlatSettings = Record<string, unknown>;

interface SettingsAnswer {
  persistent?: FlatSettings;
  transient?: FlatSettings;
  defaults?: FlatSettings;
}

/**
 * A watermark as the cluster applies it: transient over persistent over defaults. A default max
 * headroom applies only while the watermark itself is not set (Elasticsearch's rule), a set one always.
 */
export function effectiveWatermark(
  settings: SettingsAnswer,
  level: "low" | "high" | "flood_stage",
): Watermark {
  const key = `${PREFIX}watermark.${level}`;
  const explicit = (k: string) => {
    const v = settings.transient?.[k] ?? settings.persistent?.[k];
    return typeof v === "string" ? v : undefined;
  };
  const fallback = (k: string) => {
    const v = settings.defaults?.[k];
    return typeof v === "string" ? v : undefined;
  };
  const set = explicit(key);
  const value = set ?? fallback(key) ?? DEFAULTS[level];
  const headroom =
    explicit(`${key}.max_headroom`) ?? (set === undefined ? fallback(`${key}.max_headroom`) : undefined);
  // -1 means "no headroom" in Elasticsearch.
  return headroom === undefined || headroom === "-1" ? { value } : { value, maxHeadroom: headroom };
}

/** `{persistent: {cluster: {routing: …}}}` → `{persistent: {"cluster.routing.…": value}}`. */
export function flatSettings(answer: Record<string, unknown>): SettingsAnswer {
  const flatten = (value: unknown, path: string, into: FlatSettings): FlatSettings => {
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      for (const [key, inner] of Object.entries(value)) flatten(inner, path ? `${path}.${key}` : key, into);
    } else {
      into[path] = value;
    }
    return into;
  };
  const result: SettingsAnswer = {};
  for (const part of ["persistent", "transient", "defaults"] as const) {
    if (answer[part] !== undefined) result[part] = flatten(answer[part], "", {});
  }
  return result;
}

/** What OpenSearch and Elasticsearch use when the cluster does not say. */
const DEFAULTS = { low: "85%", high: "90%", flood_stage: "95%" } as const;

interface NodeStats {
  nodes?: Record<
    string,
    {
      name?: string;
      roles?: string[];
      fs?: { total?: { total_in_bytes?: number; available_in_bytes?: number } };
    }
  >;
}

/** Reads the watermarks, each data node's disk and this runtime's read-only indices (three requests). */
export async function readSearchDisk(client: SearchClient, names: IndexNames): Promise<SearchDiskReport> {
  const [settings, stats, readOnly] = await Promise.all([
    // Nested, not flat_settings: filter_path matches the nested keys only.
    expectOk<Record<string, unknown>>(
      client,
      {
        method: "GET",
        path: "/_cluster/settings",
        query: { include_defaults: true, filter_path: "*.cluster.routing.allocation.disk" },
      },
      "reading the disk watermarks",
    ).then(flatSettings),
    expectOk<NodeStats>(
      client,
      {
        method: "GET",
        path: "/_nodes/stats/fs",
        query: { filter_path: "nodes.*.name,nodes.*.roles,nodes.*.fs.total" },
      },
      "reading the nodes' disk",
    ),
    readOnlyIndices(client, names),
  ]);
  const enabled =
    settings.transient?.[`${PREFIX}threshold_enabled`] ??
    settings.persistent?.[`${PREFIX}threshold_enabled`] ??
    settings.defaults?.[`${PREFIX}threshold_enabled`] ??
    "true";
  return {
    cluster: client.where,
    thresholdEnabled: String(enabled) !== "false",
    watermarks: {
      low: effectiveWatermark(settings, "low"),
      high: effectiveWatermark(settings, "high"),
      floodStage: effectiveWatermark(settings, "flood_stage"),
    },
    nodes: Object.values(stats.nodes ?? {})
      // "data", or Elasticsearch's tiers (data_hot, data_content, …).
      .filter((n) => (n.roles ?? []).some((r) => r === "data" || r.startsWith("data_")))
      .map((n) => ({
        name: n.name ?? "?",
        totalBytes: n.fs?.total?.total_in_bytes ?? 0,
        availableBytes: n.fs?.total?.available_in_bytes ?? 0,
      })),
    readOnlyIndices: readOnly,
  };
}

/** This runtime's indices the flood stage made read-only; [] when the engine does not say. */
export async function readOnlyIndices(client: SearchClient, names: IndexNames): Promise<string[]> {
  const answer = await client.request({
    method: "GET",
    path: `/${Object.values(names).join(",")}/_settings/index.blocks.read_only_allow_delete`,
    query: { flat_settings: true, ignore_unavailable: true },
  });
  if (answer.status !== 200) return [];
  const settings = answer.body as Record<string, { settings?: Record<string, string> }>;
  return Object.entries(settings)
    .filter(([, index]) => index.settings?.["index.blocks.read_only_allow_delete"] === "true")
    .map(([name]) => name);
}

const GIB = 1024 ** 3;

/** `node n1 uses 97.0 % of 100.0 GiB; watermarks low 85%, high 90%, flood stage 95%` (the busiest data node). */
export function describeDisk(report: SearchDiskReport): string {
  const w = report.watermarks;
  const marks = `watermarks low ${w.low.value}, high ${w.high.value}, flood stage ${w.floodStage.value}`;
  const busiest = [...report.nodes]
    .filter((n) => n.totalBytes > 0)
    .sort((a, b) => b.availableBytes / b.totalBytes - a.availableBytes / a.totalBytes)
    .at(-1);
  if (!busiest) return marks;
  const used = ((busiest.totalBytes - busiest.availableBytes) / busiest.totalBytes) * 100;
  return `data node ${busiest.name} uses ${used.toFixed(1)} % of its disk (${(busiest.totalBytes / GIB).toFixed(1)} GiB); ${marks}`;
}
