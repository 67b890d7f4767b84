import type { Topic } from "../../runtime/ports/queue.js";

/** The seed's pod names; every enabled component becomes a Deployment `<name>-<pod>`. */
export const COMPONENT_NAMES = [
  "public-api",
  "private-api",
  "wk-pl-collector",
  "wk-pl-background",
  "wk-pl-workflow",
  "wk-apm",
  "fe-rj-gui",
] as const;
export type ComponentName = (typeof COMPONENT_NAMES)[number];

export function isComponentName(value: string | undefined): value is ComponentName {
  return (COMPONENT_NAMES as readonly string[]).includes(value ?? "");
}

export const API_ROLES = ["public", "private"] as const;
export type ApiRole = (typeof API_ROLES)[number];

export function apiComponentName(role: ApiRole): "public-api" | "private-api" {
  return role === "public" ? "public-api" : "private-api";
}

export const WORKER_KINDS = ["collector", "background", "workflow", "apm"] as const;
export type WorkerKind = (typeof WORKER_KINDS)[number];

/**
 * Workers the operator scales from their backlog, with the queue stages (Pulsar topics, see
 * runtime/cli.ts) each one consumes. A worker that starts consuming a stage gets one line here.
 */
export const AUTOSCALED_WORKER_STAGES = {
  collector: ["collector"],
  background: ["storage", "dispatch"],
} as const satisfies Partial<Record<WorkerKind, readonly Topic[]>>;
export type AutoscaledWorker = keyof typeof AUTOSCALED_WORKER_STAGES;
export const AUTOSCALED_WORKERS = Object.keys(AUTOSCALED_WORKER_STAGES) as AutoscaledWorker[];

export function isAutoscaledWorker(kind: WorkerKind): kind is AutoscaledWorker {
  return (AUTOSCALED_WORKERS as readonly string[]).includes(kind);
}

export type ComponentRef =
  | { kind: "api"; role: ApiRole }
  | { kind: "worker"; worker: WorkerKind }
  | { kind: "gui" };

export interface ComponentInfo {
  name: ComponentName;
  ref: ComponentRef;
  /** Path of this component's block in the spec, for messages ("raise spec.<path>.resources…"). */
  specPath: string;
}

export const COMPONENTS: readonly ComponentInfo[] = [
  { name: "public-api", ref: { kind: "api", role: "public" }, specPath: "spec.api.public" },
  { name: "private-api", ref: { kind: "api", role: "private" }, specPath: "spec.api.private" },
  {
    name: "wk-pl-collector",
    ref: { kind: "worker", worker: "collector" },
    specPath: "spec.workers.collector",
  },
  {
    name: "wk-pl-background",
    ref: { kind: "worker", worker: "background" },
    specPath: "spec.workers.background",
  },
  { name: "wk-pl-workflow", ref: { kind: "worker", worker: "workflow" }, specPath: "spec.workers.workflow" },
  { name: "wk-apm", ref: { kind: "worker", worker: "apm" }, specPath: "spec.workers.apm" },
  { name: "fe-rj-gui", ref: { kind: "gui" }, specPath: "spec.gui" },
];

export function componentInfo(name: ComponentName): ComponentInfo {
  const info = COMPONENTS.find((c) => c.name === name);
  if (!info) throw new Error(`unknown component ${name}`);
  return info;
}
