import {
  COMPONENTS,
  type ComponentInfo,
  type ComponentName,
  isAutoscaledWorker,
  type WorkerKind,
} from "../../api/components.js";
import { PRIVATE_PORT, PUBLIC_PORT, WORKER_HEALTH_PORT } from "../../api/defaults.js";
import type { Resources, Scheduling, TracardiSpec } from "../../api/types.js";
import { autoscaledByHpa } from "./hpa.js";
import { resolveScheduling } from "./scheduling.js";

export interface ComponentPlan {
  info: ComponentInfo;
  enabled: boolean;
  replicas: number;
  /**
   * An autoscaler sets the replicas (the operator's for a worker, the HorizontalPodAutoscaler for the
   * public API): the Deployment is applied without spec.replicas.
   */
  autoscaled: boolean;
  resources: Resources;
  podLabels: Record<string, string>;
  /** spec.scheduling with the component's own fields in place. */
  scheduling: Scheduling;
  args: string[];
  port: { name: string; containerPort: number };
}

export function planComponent(spec: TracardiSpec, info: ComponentInfo): ComponentPlan {
  if (info.ref.kind === "api") {
    const api = spec.api[info.ref.role];
    return {
      info,
      enabled: true,
      replicas: api.replicas,
      autoscaled: autoscaledByHpa(spec, info.name),
      resources: api.resources,
      podLabels: api.podLabels ?? {},
      scheduling: resolveScheduling(spec.scheduling, api.scheduling),
      args: ["api", "--role", info.ref.role],
      port: { name: "http", containerPort: info.ref.role === "public" ? PUBLIC_PORT : PRIVATE_PORT },
    };
  }
  const worker = spec.workers[info.ref.worker];
  return {
    info,
    enabled: workerDeployed(spec, info.ref.worker),
    replicas: worker.replicas,
    autoscaled:
      workerDeployed(spec, info.ref.worker) &&
      isAutoscaledWorker(info.ref.worker) &&
      worker.autoscaling?.enabled === true,
    resources: worker.resources,
    podLabels: worker.podLabels ?? {},
    scheduling: resolveScheduling(spec.scheduling, worker.scheduling),
    args: ["worker", info.ref.worker],
    port: { name: "health", containerPort: WORKER_HEALTH_PORT },
  };
}

/**
 * Whether a worker has a Deployment: the operator's side of the table "process → stages"
 * (docs/architecture.md). Workers share the queue through Pulsar, so none runs without it (the
 * public API then runs every stage on its own embedded queue, as the seed's API does with Pulsar
 * disabled). Over Pulsar only the background worker stores and dispatches, so it always runs
 * (validation refuses `background.enabled: false` then); only `wk-apm` runs the merge pass. Flows
 * run inside the collector stage: `workflow.enabled` switches them (TRACARDI_WORKFLOW_ENABLED) and
 * no pod of its own would have work.
 */
export function workerDeployed(spec: TracardiSpec, worker: WorkerKind): boolean {
  if (!spec.pulsar) return false;
  switch (worker) {
    case "collector":
    case "background":
    case "apm":
      return spec.workers[worker].enabled;
    case "workflow":
      return false;
  }
}

export function planComponents(spec: TracardiSpec): ComponentPlan[] {
  return COMPONENTS.map((info) => planComponent(spec, info));
}

export function enabledComponents(spec: TracardiSpec): ComponentName[] {
  return planComponents(spec)
    .filter((p) => p.enabled)
    .map((p) => p.info.name);
}
