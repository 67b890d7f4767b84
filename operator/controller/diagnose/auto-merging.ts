import type { MergingStatus, RuntimeStatusView } from "./runtime-view.js";
import { type CheckResult, CONDITION } from "./types.js";

/** A merge pass older than this many intervals, while profiles wait, means the loop has stopped. */
export const OVERDUE_INTERVALS = 3;
const WORKER_LOGS = "kubectl logs -l app.kubernetes.io/component=wk-apm";

function waitingText(m: MergingStatus): string {
  const n = m.waiting >= m.waitingLimit ? `${m.waitingLimit} or more` : String(m.waiting);
  return `${n} profile${m.waiting === 1 ? "" : "s"} wait${m.waiting === 1 ? "s" : ""} to be merged`;
}

/**
 * AutoMerging (seed item 4: profiles that should be one stay apart): False/Inactive when the APM
 * worker is off, or its last merge pass is older than three intervals while profiles wait; from the
 * runtime's own status (the pass is recorded by the merge loop in the shared configuration store).
 */
export function diagnoseAutoMerging(apmEnabled: boolean, view: RuntimeStatusView, now: Date): CheckResult {
  const type = CONDITION.AutoMerging;
  const merging = view.state === "read" && "value" in view.merging ? view.merging.value : undefined;
  if (!apmEnabled) {
    const waiting = merging && merging.waiting > 0 ? `; ${waitingText(merging)}` : "";
    return {
      type,
      status: "False",
      reason: "Inactive",
      message: `the APM worker (wk-apm) is off: profiles marked for merging are never merged${waiting}; set spec.workers.apm.enabled to true`,
    };
  }
  if (view.state === "unavailable")
    return { type, status: "Unknown", reason: "StatusUnavailable", message: view.message };
  if (merging === undefined) {
    const error = "error" in view.merging ? view.merging.error : "no answer";
    return {
      type,
      status: "Unknown",
      reason: "StatusUnavailable",
      message: `the runtime could not say how merging goes: ${error}`,
    };
  }
  if (!merging.enabled) {
    return {
      type,
      status: "False",
      reason: "Disabled",
      message: "auto profile merging is switched off in the runtime (TRACARDI_AUTO_PROFILE_MERGING is empty)",
    };
  }
  const intervalMs = merging.intervalSeconds * 1000;
  const last = merging.lastPassAt === null ? null : Date.parse(merging.lastPassAt);
  const overdue = last === null || now.getTime() - last > OVERDUE_INTERVALS * intervalMs;
  if (merging.waiting > 0 && overdue) {
    const loop =
      intervalMs === 0
        ? "the merge loop is switched off (TRACARDI_MERGE_INTERVAL_MS=0)"
        : last === null
          ? `no merge pass has run yet (one is due every ${merging.intervalSeconds} s)`
          : `the last merge pass ran at ${merging.lastPassAt}${merging.lastPassBy ? ` (pod ${merging.lastPassBy})` : ""}, more than ${OVERDUE_INTERVALS} intervals of ${merging.intervalSeconds} s ago`;
    const error = merging.lastError
      ? `; the last pass failed at ${merging.lastError.at}: ${merging.lastError.message}`
      : "";
    return {
      type,
      status: "False",
      reason: "Inactive",
      message: `${waitingText(merging)} and ${loop}${error}; check the wk-apm pods (${WORKER_LOGS}) and the configuration store`,
    };
  }
  // Stable while healthy: a message with times or counts would rewrite the status on every look.
  return {
    type,
    status: "True",
    reason: "Active",
    message: `no profile waits on an overdue merge pass (the merge loop passes every ${merging.intervalSeconds} s)`,
  };
}
