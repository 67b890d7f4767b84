import type { AutoscaledWorker } from "../api/components.js";
import type {
  ComponentStatus,
  Condition,
  LicenseStatusBlock,
  TracardiStatus,
  WorkerAutoscalingStatus,
} from "../api/types.js";
import { type CheckResult, CONDITION } from "./diagnose/types.js";

/** The checks whose first failure becomes Ready's reason, in order. WorkflowsEnabled is informational. */
export const READY_CHAIN = [
  CONDITION.Reconciled,
  CONDITION.LicenseValid,
  CONDITION.BackendsReachable,
  CONDITION.ComponentsHealthy,
] as const;

/**
 * SearchDiskPressure joins the chain after BackendsReachable, only when an index is read-only
 * (FloodStage): nothing is stored then. HighWatermark is a warning, and an unreadable status says
 * nothing about readiness.
 */
function floodStage(checks: readonly CheckResult[]): CheckResult | undefined {
  const c = checks.find((x) => x.type === CONDITION.SearchDiskPressure);
  return c?.status === "True" && c.reason === "FloodStage" ? c : undefined;
}

export function readyFrom(checks: readonly CheckResult[]): CheckResult {
  for (const type of READY_CHAIN) {
    if (type === CONDITION.ComponentsHealthy) {
      const flood = floodStage(checks);
      if (flood)
        return { type: CONDITION.Ready, status: "False", reason: flood.reason, message: flood.message };
    }
    const c = checks.find((x) => x.type === type);
    if (!c) {
      return {
        type: CONDITION.Ready,
        status: "Unknown",
        reason: "Pending",
        message: `${type} has not been checked yet`,
      };
    }
    if (c.status !== "True")
      return { type: CONDITION.Ready, status: c.status, reason: c.reason, message: c.message };
  }
  return {
    type: CONDITION.Ready,
    status: "True",
    reason: "Ready",
    message: "Tracardi is running and licensed",
  };
}

/** Adds bookkeeping; lastTransitionTime only moves when status changes. */
export function toCondition(
  check: CheckResult,
  previous: readonly Condition[] | undefined,
  generation: number,
  now: Date,
): Condition {
  const prev = previous?.find((c) => c.type === check.type);
  const lastTransitionTime =
    prev && prev.status === check.status
      ? prev.lastTransitionTime
      : now.toISOString().replace(/\.\d{3}Z$/, "Z");
  return { ...check, lastTransitionTime, observedGeneration: generation };
}

export interface StatusInput {
  previous: TracardiStatus | undefined;
  generation: number;
  now: Date;
  checks: readonly CheckResult[];
  components: readonly ComponentStatus[];
  license: LicenseStatusBlock;
  autoscaling?: Partial<Record<AutoscaledWorker, WorkerAutoscalingStatus>>;
  backlog?: number;
}

const ORDER = [
  CONDITION.Ready,
  ...READY_CHAIN,
  CONDITION.SearchDiskPressure,
  CONDITION.APIsHealthy,
  CONDITION.AutoMerging,
  CONDITION.WorkflowsEnabled,
] as string[];

function ratio(components: readonly ComponentStatus[]): string {
  const ready = components.reduce((n, c) => n + c.ready, 0);
  const desired = components.reduce((n, c) => n + c.desired, 0);
  return `${ready}/${desired}`;
}

export function buildStatus(input: StatusInput): TracardiStatus {
  const all = [readyFrom(input.checks), ...input.checks];
  const conditions = all
    .map((c) => toCondition(c, input.previous?.conditions, input.generation, input.now))
    .sort((a, b) => ORDER.indexOf(a.type) - ORDER.indexOf(b.type));
  const status: TracardiStatus = {
    observedGeneration: input.generation,
    conditions,
    components: [...input.components],
    license: input.license,
    publicApi: ratio(input.components.filter((c) => c.name === "public-api")),
    workers: ratio(input.components.filter((c) => c.name.startsWith("wk-"))),
  };
  if (input.autoscaling) status.autoscaling = input.autoscaling;
  if (input.backlog !== undefined) status.backlog = input.backlog;
  return status;
}

/** Structural equality, so unchanged status is not rewritten on every resync. */
export function sameStatus(a: TracardiStatus | undefined, b: TracardiStatus): boolean {
  return JSON.stringify(canonical(a ?? {})) === JSON.stringify(canonical(b));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}
