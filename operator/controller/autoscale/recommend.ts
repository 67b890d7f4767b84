import type { WorkerAutoscaling } from "../../api/types.js";

/** One past recommendation: what the backlog asked for at a moment (before windows and limits). */
export interface Recommendation {
  /** Epoch milliseconds. */
  at: number;
  replicas: number;
}

export interface ScaleInput {
  /** Epoch milliseconds. */
  now: number;
  /** The Deployment's spec.replicas. */
  current: number;
  /** Messages waiting on the worker's subscriptions. */
  backlog: number;
  policy: WorkerAutoscaling;
  /** Recommendations of earlier steps (from previous decisions; older ones are dropped). */
  history: readonly Recommendation[];
}

/** What bounded the decision below or above what the backlog alone asks for. */
export type Limit = "maxReplicas" | "minReplicas" | "doubling" | "scaleUpWindow" | "scaleDownWindow";

export interface ScaleDecision {
  desired: number;
  /** ceil(backlog / targetBacklogPerReplica): what the backlog alone asks for. */
  recommended: number;
  limit?: Limit;
  /** The history to pass to the next step: this step's recommendation added, expired ones dropped. */
  history: Recommendation[];
  /** "backlog 12,400 > 1,000 per replica × 3 → 4 replicas (…)". */
  reason: string;
}

const number = (n: number) => n.toLocaleString("en-US");
const replicas = (n: number) => `${n} replica${n === 1 ? "" : "s"}`;

/**
 * One autoscaling step, as the HorizontalPodAutoscaler takes it (pkg/controller/podautoscaler,
 * stabilizeRecommendationWithBehaviors, then the rate limits and min/max):
 * 1. recommended = ceil(backlog / targetBacklogPerReplica), remembered with its time;
 * 2. stabilization: scale up no further than the lowest recommendation within the scale-up window,
 *    scale down no further than the highest within the scale-down window (the current one included);
 * 3. at most doubling per step (0 wakes to 1), then clamp to [minReplicas, maxReplicas].
 */
export function recommendReplicas(input: ScaleInput): ScaleDecision {
  const { now, current, backlog, policy } = input;
  const recommended = Math.ceil(Math.max(0, backlog) / policy.targetBacklogPerReplica);
  const upCutoff = now - policy.scaleUpStabilizationSeconds * 1000;
  const downCutoff = now - policy.scaleDownStabilizationSeconds * 1000;
  const keepAfter = Math.min(upCutoff, downCutoff);
  const history = [
    ...input.history.filter((r) => r.at > keepAfter && r.at < now),
    { at: now, replicas: recommended },
  ];

  let upRecommendation = recommended;
  let downRecommendation = recommended;
  for (const r of history) {
    if (r.at > upCutoff) upRecommendation = Math.min(upRecommendation, r.replicas);
    if (r.at > downCutoff) downRecommendation = Math.max(downRecommendation, r.replicas);
  }
  let stabilized = current;
  let limit: Limit | undefined;
  if (stabilized < upRecommendation) stabilized = upRecommendation;
  if (stabilized > downRecommendation) stabilized = downRecommendation;
  if (stabilized < recommended) limit = "scaleUpWindow";
  else if (stabilized > recommended) limit = "scaleDownWindow";

  let desired = stabilized;
  const upLimit = current === 0 ? 1 : current * 2;
  if (desired > upLimit) {
    desired = upLimit;
    limit = "doubling";
  }
  if (desired > policy.maxReplicas) {
    desired = policy.maxReplicas;
    limit = "maxReplicas";
  }
  if (desired < policy.minReplicas) {
    desired = policy.minReplicas;
    limit = "minReplicas";
  }
  const decision: ScaleDecision = {
    desired,
    recommended,
    history,
    reason: describe(input, recommended, desired, limit, { upRecommendation, downRecommendation }),
  };
  if (limit) decision.limit = limit;
  return decision;
}

function describe(
  input: ScaleInput,
  recommended: number,
  desired: number,
  limit: Limit | undefined,
  windows: { upRecommendation: number; downRecommendation: number },
): string {
  const { backlog, current, policy } = input;
  const capacity = policy.targetBacklogPerReplica * current;
  const relation = backlog > capacity ? ">" : backlog === capacity ? "=" : "<";
  const base = `backlog ${number(backlog)} ${relation} ${number(policy.targetBacklogPerReplica)} per replica × ${current} → ${replicas(desired)}`;
  const asks = `the backlog asks for ${recommended}`;
  switch (limit) {
    case "maxReplicas":
      return `${base} (maxReplicas ${policy.maxReplicas}; ${asks})`;
    case "minReplicas":
      return `${base} (minReplicas ${policy.minReplicas}; ${asks})`;
    case "doubling":
      return current === 0
        ? `${base} (waking from zero; ${asks})`
        : `${base} (at most doubling per step; ${asks})`;
    case "scaleUpWindow":
      return `${base} (scale-up window ${policy.scaleUpStabilizationSeconds} s: lowest recent recommendation ${windows.upRecommendation}; ${asks})`;
    case "scaleDownWindow":
      return `${base} (scale-down window ${policy.scaleDownStabilizationSeconds} s: highest recent recommendation ${windows.downRecommendation}; ${asks})`;
    default:
      return base;
  }
}
