import type { ConditionStatus } from "../../api/types.js";

/** A condition before bookkeeping (lastTransitionTime, observedGeneration) is added by status.ts. */
export interface CheckResult {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
}

export const CONDITION = {
  Ready: "Ready",
  Reconciled: "Reconciled",
  ComponentsHealthy: "ComponentsHealthy",
  LicenseValid: "LicenseValid",
  WorkflowsEnabled: "WorkflowsEnabled",
  BackendsReachable: "BackendsReachable",
  AutoMerging: "AutoMerging",
  APIsHealthy: "APIsHealthy",
  SearchDiskPressure: "SearchDiskPressure",
} as const;
