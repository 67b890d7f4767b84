import type { V1Deployment } from "@kubernetes/client-node";
import { errorMessage } from "../../../runtime/error-message.js";
import type { Topic } from "../../../runtime/ports/queue.js";
import {
  AUTOSCALED_WORKER_STAGES,
  AUTOSCALED_WORKERS,
  type AutoscaledWorker,
  COMPONENTS,
} from "../../api/components.js";
import type { Tracardi, WorkerAutoscaling, WorkerAutoscalingStatus } from "../../api/types.js";
import { pulsarAdminConnection } from "../../pulsar/connection.js";
import type { PipelineStats, PulsarAdminConnection, StageStats } from "../../pulsar/stats.js";
import { workerDeployed } from "../desired/component.js";
import { childName } from "../desired/labels.js";
import type { EventSpec } from "../events.js";
import { type Recommendation, recommendReplicas } from "./recommend.js";

/** A worker whose replicas the autoscaler sets. */
export interface AutoscaledTarget {
  worker: AutoscaledWorker;
  deployment: string;
  policy: WorkerAutoscaling;
}

/** Deployed workers with autoscaling on, in spec order. */
export function autoscaledTargets(owner: Tracardi): AutoscaledTarget[] {
  const targets: AutoscaledTarget[] = [];
  for (const worker of AUTOSCALED_WORKERS) {
    const spec = owner.spec.workers[worker];
    const component = COMPONENTS.find((c) => c.ref.kind === "worker" && c.ref.worker === worker);
    if (!component || !workerDeployed(owner.spec, worker) || !spec.autoscaling?.enabled) continue;
    targets.push({
      worker,
      deployment: childName(owner.metadata.name, component.name),
      policy: spec.autoscaling,
    });
  }
  return targets;
}

export interface AutoscalerDeps {
  /** Pipeline statistics for a Pulsar connection (the admin API in production, a fake in tests). */
  pipelineStats: (connection: PulsarAdminConnection) => PipelineStats;
  /** Sets a Deployment's replicas under the autoscaler's field manager; resolves with the result. */
  scale: (namespace: string, name: string, replicas: number) => Promise<V1Deployment>;
  /** How often each worker's backlog is read and a step taken (the HPA's sync period). */
  intervalMs: number;
}

export interface AutoscaleOutcome {
  /** Absent when no worker is autoscaled. */
  status?: Partial<Record<AutoscaledWorker, WorkerAutoscalingStatus>>;
  /** Sum of the autoscaled workers' backlogs that were read. */
  backlog?: number;
  events: EventSpec[];
  /** Deployments the autoscaler changed: before and after. */
  scaled: { before: V1Deployment; after: V1Deployment }[];
  /** When the next step is due. */
  requeueAfterMs?: number;
}

interface WorkerMemory {
  history: Recommendation[];
  evaluatedAt: number;
  status: WorkerAutoscalingStatus;
}

const sumBacklog = (stats: readonly StageStats[], stages: readonly Topic[]) =>
  stats.filter((s) => stages.includes(s.stage)).reduce((n, s) => n + s.backlog, 0);

/**
 * Scales the autoscaled workers of each Tracardi from their backlog in Pulsar, at most one step per
 * worker per interval however often the Tracardi is reconciled (pod and Deployment events reconcile
 * it many times during a scale-up; each step may at most double). Remembers each worker's
 * recommendations for the stabilization windows; an operator restart starts them afresh.
 */
export class Autoscaler {
  private readonly memory = new Map<string, WorkerMemory>();

  constructor(private readonly deps: AutoscalerDeps) {}

  /** Drops what is remembered about one Tracardi (`namespace/name`). */
  forget(key: string): void {
    for (const id of this.memory.keys()) if (id.startsWith(`${key}/`)) this.memory.delete(id);
  }

  /**
   * One pass: reads the backlog of the workers whose step is due, scales them, and reports every
   * autoscaled worker's latest decision. `token` is asked for only when Pulsar is read.
   */
  async step(
    owner: Tracardi,
    deployments: (name: string) => V1Deployment | undefined,
    now: Date,
    token: () => Promise<string | undefined>,
  ): Promise<AutoscaleOutcome> {
    const key = `${owner.metadata.namespace}/${owner.metadata.name}`;
    const targets = autoscaledTargets(owner);
    for (const id of this.memory.keys()) {
      if (id.startsWith(`${key}/`) && !targets.some((t) => id === `${key}/${t.worker}`))
        this.memory.delete(id);
    }
    const outcome: AutoscaleOutcome = { events: [], scaled: [] };
    if (targets.length === 0) return outcome;

    const at = now.getTime();
    const due = targets.filter((t) => {
      const m = this.memory.get(`${key}/${t.worker}`);
      return !m || at - m.evaluatedAt >= this.deps.intervalMs;
    });
    if (due.length > 0) {
      const stages = [...new Set(due.flatMap((t) => AUTOSCALED_WORKER_STAGES[t.worker]))];
      let stats: StageStats[] | undefined;
      let failure = "";
      try {
        if (!owner.spec.pulsar) throw new Error("spec.pulsar is not set");
        const connection = pulsarAdminConnection(owner.spec.pulsar, await token());
        stats = await this.deps.pipelineStats(connection).stages(stages);
      } catch (err) {
        failure = errorMessage(err);
      }
      for (const target of due) {
        await this.stepWorker(
          key,
          owner,
          target,
          deployments(target.deployment),
          at,
          stats,
          failure,
          outcome,
        );
      }
    }

    outcome.status = {};
    let backlog: number | undefined;
    let next = this.deps.intervalMs;
    for (const t of targets) {
      const m = this.memory.get(`${key}/${t.worker}`);
      if (!m) continue;
      outcome.status[t.worker] = m.status;
      if (m.status.backlog !== undefined) backlog = (backlog ?? 0) + m.status.backlog;
      next = Math.min(next, Math.max(0, m.evaluatedAt + this.deps.intervalMs - at));
    }
    if (backlog !== undefined) outcome.backlog = backlog;
    outcome.requeueAfterMs = Math.max(next, 100);
    return outcome;
  }

  private async stepWorker(
    key: string,
    owner: Tracardi,
    target: AutoscaledTarget,
    live: V1Deployment | undefined,
    at: number,
    stats: StageStats[] | undefined,
    failure: string,
    outcome: AutoscaleOutcome,
  ): Promise<void> {
    // Not created yet (or the apply failed): nothing to scale this time.
    if (!live) return;
    const id = `${key}/${target.worker}`;
    const previous = this.memory.get(id);
    const current = live.spec?.replicas ?? 1;
    const keep = (status: Omit<WorkerAutoscalingStatus, "lastScaleTime">) => {
      const s: WorkerAutoscalingStatus = { ...status };
      if (previous?.status.lastScaleTime) s.lastScaleTime = previous.status.lastScaleTime;
      return s;
    };
    if (!stats) {
      this.memory.set(id, {
        history: previous?.history ?? [],
        evaluatedAt: at,
        status: keep({
          currentReplicas: current,
          desiredReplicas: current,
          reason: `replicas unchanged: the backlog cannot be read: ${failure}`,
        }),
      });
      return;
    }
    const backlog = sumBacklog(stats, AUTOSCALED_WORKER_STAGES[target.worker]);
    const decision = recommendReplicas({
      now: at,
      current,
      backlog,
      policy: target.policy,
      history: previous?.history ?? [],
    });
    const status = keep({
      currentReplicas: current,
      desiredReplicas: decision.desired,
      backlog,
      reason: decision.reason,
    });
    if (decision.desired !== current) {
      try {
        const after = await this.deps.scale(owner.metadata.namespace, target.deployment, decision.desired);
        outcome.scaled.push({ before: live, after });
        status.lastScaleTime = new Date(at).toISOString().replace(/\.\d{3}Z$/, "Z");
        outcome.events.push({
          type: "Normal",
          reason: decision.desired > current ? "ScaledUp" : "ScaledDown",
          note: `${target.deployment}: ${decision.reason}`,
        });
      } catch (err) {
        // Tried again at the next step; the reason says why the replicas did not follow.
        status.reason = `${decision.reason}; setting the replicas failed: ${errorMessage(err)}`;
      }
    }
    this.memory.set(id, { history: decision.history, evaluatedAt: at, status });
  }
}
