import type { TracardiSpec } from "../../api/types.js";
import { type CheckResult, CONDITION } from "./types.js";

export function diagnoseWorkflow(spec: TracardiSpec): CheckResult {
  if (spec.workers.workflow.enabled) {
    return {
      type: CONDITION.WorkflowsEnabled,
      status: "True",
      reason: "Enabled",
      message: "The workflow worker (wk-pl-workflow) runs workflows triggered by rules",
    };
  }
  return {
    type: CONDITION.WorkflowsEnabled,
    status: "False",
    reason: "Disabled",
    message:
      "The workflow worker is disabled: no workflow will be triggered until spec.workers.workflow.enabled is true",
  };
}
