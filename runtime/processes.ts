/** The pipeline stages, in the order a process starts them. */
export const PIPELINE_STAGES = ["collector", "storage", "dispatch", "merge"] as const;
export type PipelineStage = (typeof PIPELINE_STAGES)[number];

/**
 * The processes `tracardi` starts (`standalone`, `api --role …`, `worker …`), named after the
 * operator's Deployments.
 */
export type ProcessKind = "standalone" | "public-api" | "private-api" | "collector" | "background" | "apm";

export interface StageSettings {
  /** TRACARDI_QUEUE. */
  queue: "embedded" | "pulsar";
  /** TRACARDI_PROCESS_INLINE: no collector worker runs, the public API processes. */
  processInline: boolean;
}

/**
 * Which stages a process runs: the table "process → stages" of docs/architecture.md. Over Pulsar
 * each stage runs in the process named after it (seed: the API verifies and queues, `wk-pl-collector`
 * processes — or the API when it is off —, `wk-pl-background` stores and dispatches, `wk-apm`
 * merges); workflows run inside the collector stage. The embedded queue is one process's own file,
 * which no other process reads: there the public API runs the whole pipeline, as the seed's API does
 * with Pulsar disabled.
 */
export function processStages(kind: ProcessKind, settings: StageSettings): PipelineStage[] {
  switch (kind) {
    case "standalone":
      return [...PIPELINE_STAGES];
    case "public-api":
      if (!settings.processInline) return [];
      return settings.queue === "embedded" ? [...PIPELINE_STAGES] : ["collector"];
    case "private-api":
      return [];
    case "collector":
      return ["collector"];
    case "background":
      return ["storage", "dispatch"];
    case "apm":
      return ["merge"];
  }
}
