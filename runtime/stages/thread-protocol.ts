import type { MetricObjectWithValues, MetricValue } from "prom-client";
import type { WorkflowOutput } from "./process/workflow-results.js";
import type { StageProgress } from "./progress.js";

export interface ProcessingStats {
  stages: string[];
  /** Documents handed to storage and not yet stored (the collector's read-your-writes cache). */
  pendingDocuments: number;
  /** Each consuming stage's progress and last error (readiness follows it). */
  progress: StageProgress[];
}

export type ThreadRequest =
  | { type: "stats"; id: number }
  | { type: "config-changed" }
  | { type: "stop"; id: number };

export type ThreadReply =
  | { type: "started"; id: number }
  | {
      type: "stats";
      id: number;
      stats: ProcessingStats;
      metrics: MetricObjectWithValues<MetricValue<string>>[];
    }
  /** A request the thread could not answer. */
  | { type: "failed"; id: number; message: string }
  | { type: "stopped"; id: number }
  | { type: "workflow-output"; id: 0; task: string; output: WorkflowOutput }
  | { type: "profiles-merged"; id: 0 }
  /** The thread logged an unhandled rejection; the main thread counts it. */
  | { type: "uncaught"; id: 0; kind: UncaughtKind };

export type UncaughtKind = "rejection" | "exception";
