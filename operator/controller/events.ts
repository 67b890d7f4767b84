import type { Condition } from "../api/types.js";
import { CONDITION } from "./diagnose/types.js";

export interface EventSpec {
  type: "Normal" | "Warning";
  reason: string;
  note: string;
}

const MAX_NOTE = 1024;

/** Conditions whose changes are worth an Event; Ready only announces becoming ready (its failures have their own). */
const WATCHED = [
  CONDITION.Reconciled,
  CONDITION.LicenseValid,
  CONDITION.BackendsReachable,
  CONDITION.ComponentsHealthy,
  CONDITION.WorkflowsEnabled,
  CONDITION.SearchDiskPressure,
  CONDITION.APIsHealthy,
  CONDITION.AutoMerging,
];

/**
 * Not worth an Event: every rollout passes through NotReady (Ready=True announces the end of it); a
 * runtime that cannot be asked yet (or its pods are down, which ComponentsHealthy reports) says
 * nothing about merging, 5xx or disk; merging switched off in the runtime is a choice.
 */
const QUIET_REASONS = new Set(["NotReady", "StatusUnavailable", "MetricsUnavailable", "NoSearchCluster"]);
const NO_NEWS = new Set(["StatusUnavailable", "MetricsUnavailable"]);
const QUIET = new Set([`${CONDITION.AutoMerging}/Disabled`]);

/** Conditions whose True is the problem (as the kubelet's DiskPressure). */
const TRUE_IS_BAD = new Set<string>([CONDITION.SearchDiskPressure]);

function isProblem(c: Condition): boolean {
  if (c.type === CONDITION.WorkflowsEnabled || QUIET_REASONS.has(c.reason)) return false;
  if (QUIET.has(`${c.type}/${c.reason}`)) return false;
  if (TRUE_IS_BAD.has(c.type)) return c.status === "True";
  return c.status !== "True" || c.reason === "ExpiringSoon";
}

const note = (text: string) => (text.length > MAX_NOTE ? `${text.slice(0, MAX_NOTE - 1)}…` : text);

/**
 * Events for what changed between two condition sets; nothing when status and reason are unchanged,
 * so a resync never repeats an Event.
 */
export function eventsFromTransitions(
  previous: readonly Condition[] | undefined,
  next: readonly Condition[],
): EventSpec[] {
  const events: EventSpec[] = [];
  const before = (type: string) => previous?.find((c) => c.type === type);
  for (const type of WATCHED) {
    const now = next.find((c) => c.type === type);
    if (!now) continue;
    const was = before(type);
    if (was && was.status === now.status && was.reason === now.reason) continue;
    // Not knowing is no news: neither a problem nor a recovery.
    if (NO_NEWS.has(now.reason)) continue;
    if (isProblem(now)) {
      events.push({ type: "Warning", reason: now.reason, note: note(now.message) });
    } else if (was && isProblem(was)) {
      events.push({ type: "Normal", reason: `${type}Recovered`, note: note(now.message) });
    } else if (type === CONDITION.WorkflowsEnabled && was) {
      events.push({
        type: "Normal",
        reason: now.reason === "Disabled" ? "WorkflowsDisabled" : "WorkflowsEnabled",
        note: note(now.message),
      });
    }
  }
  const ready = next.find((c) => c.type === CONDITION.Ready);
  const wasReady = before(CONDITION.Ready);
  if (ready?.status === "True" && wasReady?.status !== "True") {
    events.push({ type: "Normal", reason: "Ready", note: note(ready.message) });
  }
  return events;
}
