import { COMPONENTS, type ComponentInfo, type ComponentName } from "../../api/components.js";
import { GUI_PORT, PRIVATE_PORT, PUBLIC_PORT, WORKER_HEALTH_PORT } from "../../api/defaults.js";
import type { Resources, Scheduling, TracardiSpec } from "../../api/types.js";
import { resolveScheduling } from "./scheduling.js";

export interface ComponentPlan {
  info: ComponentInfo;
  enabled: boolean;
  replicas: number;
  resources: Resources;
  podLabels: Record<string, string>;
  /** spec.scheduling with the component's own fields in place. */
  scheduling: Scheduling;
  args: string[];
  port: { name: string; containerPort: number };
  /**
   * A runtime process (API or worker): the runtime ConfigMap, the credentials, `/healthz` and `/readyz`.
   * The console is not: it needs only where the private API is.
   */
  runtime: boolean;
}

export function planComponent(spec: TracardiSpec, info: ComponentInfo): ComponentPlan {
  if (info.ref.kind === "api") {
    const api = spec.api[info.ref.role];
    return {
      info,
      enabled: true,
      replicas: api.replicas,
      resources: api.resources,
      podLabels: api.podLabels ?? {},
      scheduling: resolveScheduling(spec.scheduling, api.scheduling),
      args: ["api", "--role", info.ref.role],
      port: { name: "http", containerPort: info.ref.role === "public" ? PUBLIC_PORT : PRIVATE_PORT },
      runtime: true,
    };
  }
  if (info.ref.kind === "gui") {
    const gui = spec.gui;
    return {
      info,
      enabled: gui.enabled,
      replicas: gui.replicas,
      resources: gui.resources,
      podLabels: gui.podLabels ?? {},
      scheduling: resolveScheduling(spec.scheduling, gui.scheduling),
      args: ["gui"],
      port: { name: "http", containerPort: GUI_PORT },
      runtime: false,
    };
  }
  const worker = spec.workers[info.ref.worker];
  return {
    info,
    enabled: worker.enabled,
    replicas: worker.replicas,
    resources: worker.resources,
    podLabels: worker.podLabels ?? {},
    scheduling: resolveScheduling(spec.scheduling, worker.scheduling),
    args: ["worker", info.ref.worker],
    port: { name: "health", containerPort: WORKER_HEALTH_PORT },
    runtime: true,
  };
}

export function planComponents(spec: TracardiSpec): ComponentPlan[] {
  return COMPONENTS.map((info) => planComponent(spec, info));
}

export function enabledComponents(spec: TracardiSpec): ComponentName[] {
  return planComponents(spec)
    .filter((p) => p.enabled)
    .map((p) => p.info.name);
}
