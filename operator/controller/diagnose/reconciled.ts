import { type CheckResult, CONDITION } from "./types.js";

export type ApplyOutcome = { ok: true; applied: number } | { ok: false; reason: string; message: string };

export function diagnoseReconciled(outcome: ApplyOutcome, generation: number): CheckResult {
  if (outcome.ok) {
    return {
      type: CONDITION.Reconciled,
      status: "True",
      reason: "Applied",
      message: `Applied ${outcome.applied} objects for generation ${generation}`,
    };
  }
  return { type: CONDITION.Reconciled, status: "False", reason: outcome.reason, message: outcome.message };
}
