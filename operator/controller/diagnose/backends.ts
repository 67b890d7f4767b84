import { type CheckResult, CONDITION } from "./types.js";

/** The lines the runtime logs when a backend check changes (runtime/runtime.ts, watchBackends). */
const PROBLEM = "backend problem: ";
const RECOVERED = "backend recovered: ";
/** A condition message stays readable in `kubectl describe`. */
const MAX_MESSAGE = 1000;

/** The last log lines of a runtime pod that is running but not ready. */
export interface UnreadyPodLog {
  component: string;
  pod: string;
  lines: readonly string[];
}

/** The problems a log reports and has not reported recovered from, oldest first. */
export function openProblems(lines: readonly string[]): string[] {
  const open = new Set<string>();
  for (const line of lines) {
    const problem = line.indexOf(PROBLEM);
    if (problem >= 0) {
      open.add(line.slice(problem + PROBLEM.length).trim());
      continue;
    }
    const recovered = line.indexOf(RECOVERED);
    if (recovered >= 0) open.delete(line.slice(recovered + RECOVERED.length).trim());
  }
  return [...open];
}

/**
 * The disk-watermark problems unready pods report, each with the pods that report it: a read-only
 * index makes every runtime pod unready, so no Service can be asked then (SearchDiskPressure).
 */
export function diskWatermarkReports(logs: readonly UnreadyPodLog[]): string[] {
  const podsByProblem = new Map<string, string[]>();
  for (const log of logs) {
    for (const problem of openProblems(log.lines).filter((p) => p.includes("disk watermark"))) {
      podsByProblem.set(problem, [...(podsByProblem.get(problem) ?? []), `${log.component} pod ${log.pod}`]);
    }
  }
  return [...podsByProblem].map(([problem, pods]) => `${problem} (reported by ${pods.join(", ")})`);
}

/**
 * BackendsReachable from what unready pods say about their backends: a lost MySQL, Pulsar or search
 * connection (`ConnectionLost`), or an index the disk watermark made read-only (`DiskWatermark`,
 * which wins: it needs an operator to free disk, not a restart).
 */
export function diagnoseBackends(logs: readonly UnreadyPodLog[]): CheckResult {
  const podsByProblem = new Map<string, string[]>();
  for (const log of logs) {
    for (const problem of openProblems(log.lines)) {
      const pods = podsByProblem.get(problem) ?? [];
      pods.push(`${log.component} pod ${log.pod}`);
      podsByProblem.set(problem, pods);
    }
  }
  if (podsByProblem.size === 0) {
    return {
      type: CONDITION.BackendsReachable,
      status: "True",
      reason: "NoneReported",
      message: "no runtime pod reports a backend it cannot use",
    };
  }
  const problems = [...podsByProblem.keys()];
  const message = [...podsByProblem]
    .map(([problem, pods]) => `${problem} (reported by ${pods.join(", ")})`)
    .join("; ");
  return {
    type: CONDITION.BackendsReachable,
    status: "False",
    reason: problems.some((p) => p.includes("disk watermark")) ? "DiskWatermark" : "ConnectionLost",
    message: message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 1)}…` : message,
  };
}
