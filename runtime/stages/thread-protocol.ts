import type { MetricObjectWithValues, MetricValue } from "prom-client";
import type { WorkflowOutput } from "./process/workflow-results.js";

export interface ProcessingStats {
  stages: string[];
  /** Documents handed to storage and not yet stored (the collector's read-your-writes cache). */
  pendingDocuments: number;
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
  | { type: "stopped"; id: number }
  | { type: "workflow-output"; id: 0; task: string; output: WorkflowOutput }
  | { type: "profiles-merged"; id: 0 };
