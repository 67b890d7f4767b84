import type { TracardiSpec } from "../../api/types.js";
import { type CheckResult, CONDITION } from "./types.js";

export function diagnoseWorkflow(spec: TracardiSpec): CheckResult {
  if (spec.workers.workflow.enabled) {
    return {
      type: CONDITION.WorkflowsEnabled,
      status: "True",
      reason: "Enabled",
      message:
        "Workflows triggered by rules run in the collector stage (wk-pl-collector, or the public API when it is off)",
    };
  }
  return {
    type: CONDITION.WorkflowsEnabled,
    status: "False",
    reason: "Disabled",
    message:
      "Workflows are disabled: no workflow will be triggered until spec.workers.workflow.enabled is true",
  };
}
