import type { V1ContainerStatus, V1Deployment, V1Pod } from "@kubernetes/client-node";
import { type ComponentName, componentInfo } from "../../api/components.js";
import type { ComponentStatus } from "../../api/types.js";
import { LABEL_COMPONENT } from "../desired/labels.js";
import type { OOMKill } from "./oom.js";
import { type CheckResult, CONDITION } from "./types.js";

export const POD_REASONS = [
  "OOMKilled",
  "CrashLoopBackOff",
  "ImagePullBackOff",
  "Unschedulable",
  "NotReady",
  "GuiCannotReachPrivateApi",
] as const;
export type PodReason = (typeof POD_REASONS)[number];

const IMAGE_PULL = new Set(["ImagePullBackOff", "ErrImagePull", "InvalidImageName"]);

interface Finding {
  reason: PodReason;
  message: string;
}

export interface ComponentObservation {
  name: ComponentName;
  desired: number;
  deployment?: V1Deployment;
  pods: V1Pod[];
}

export interface PodsDiagnosis {
  condition: CheckResult;
  components: ComponentStatus[];
}

/**
 * The last non-empty line of a termination message. With FallbackToLogsOnError the message is the
 * log's tail, and the runtime's last line says why it stopped (`cannot start: …`).
 */
export function lastLine(message: string): string {
  const lines = message
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  return lines.at(-1) ?? "";
}

function containerFinding(
  component: ComponentName,
  pod: V1Pod,
  cs: V1ContainerStatus,
  kills: readonly OOMKill[],
): Finding | undefined {
  if (cs.ready) return undefined;
  const podName = pod.metadata?.name ?? "?";
  const where = `${component}: container ${cs.name} in pod ${podName}`;
  const current = cs.state?.terminated;
  const last = cs.lastState?.terminated;
  if (current?.reason === "OOMKilled" || last?.reason === "OOMKilled") {
    const limit = pod.spec?.containers.find((c) => c.name === cs.name)?.resources?.limits?.memory ?? "none";
    const count = Math.max(1, kills.filter((k) => k.component === component).length);
    const field = `${componentInfo(component).specPath}.resources.limits.memory`;
    return {
      reason: "OOMKilled",
      message: `${where} was OOMKilled (memory limit ${limit}), ${count} time${count === 1 ? "" : "s"} in the last hour; raise ${field}`,
    };
  }
  const waiting = cs.state?.waiting;
  if (waiting?.reason === "CrashLoopBackOff") {
    const exit = last ? `; last exit code ${last.exitCode}${last.reason ? ` (${last.reason})` : ""}` : "";
    const said = last?.message ? `: ${lastLine(last.message).slice(0, 300)}` : "";
    return {
      reason: "CrashLoopBackOff",
      message: `${where} is in CrashLoopBackOff after ${cs.restartCount} restart${cs.restartCount === 1 ? "" : "s"}${exit}${said}`,
    };
  }
  if (waiting?.reason && IMAGE_PULL.has(waiting.reason)) {
    return {
      reason: "ImagePullBackOff",
      message: `${where} cannot pull image ${cs.image} (${waiting.reason})${waiting.message ? `: ${waiting.message}` : ""}`,
    };
  }
  return undefined;
}

function podFindings(component: ComponentName, pod: V1Pod, kills: readonly OOMKill[]): Finding[] {
  const scheduled = pod.status?.conditions?.find((c) => c.type === "PodScheduled");
  if (scheduled?.status === "False" && scheduled.reason === "Unschedulable") {
    return [
      {
        reason: "Unschedulable",
        message: `${component}: pod ${pod.metadata?.name} cannot be scheduled: ${scheduled.message ?? "no node fits"}`,
      },
    ];
  }
  const out: Finding[] = [];
  for (const cs of pod.status?.containerStatuses ?? []) {
    const f = containerFinding(component, pod, cs, kills);
    if (f) out.push(f);
  }
  return out;
}

function waitingHint(pods: readonly V1Pod[]): string {
  for (const pod of pods) {
    for (const cs of pod.status?.containerStatuses ?? []) {
      const w = cs.state?.waiting;
      if (w?.reason) return ` (pod ${pod.metadata?.name}: ${w.reason}${w.message ? `: ${w.message}` : ""})`;
    }
  }
  const pending = pods.find((p) => p.status?.phase === "Pending");
  return pending ? ` (pod ${pending.metadata?.name} is Pending)` : "";
}

function readyCount(obs: ComponentObservation): number {
  return obs.deployment?.status?.readyReplicas ?? 0;
}

function restarts(pods: readonly V1Pod[]): number {
  let n = 0;
  for (const pod of pods) for (const cs of pod.status?.containerStatuses ?? []) n += cs.restartCount;
  return n;
}

function componentStatus(obs: ComponentObservation, kills: readonly OOMKill[]): ComponentStatus {
  const own = kills.filter((k) => k.component === obs.name);
  const status: ComponentStatus = {
    name: obs.name,
    desired: obs.desired,
    ready: readyCount(obs),
    restarts: restarts(obs.pods),
    oomKillsLastHour: own.length,
  };
  const last = own[own.length - 1];
  if (last) {
    status.lastOOMKill = { pod: last.pod, container: last.container, at: last.at };
    if (last.memoryLimit !== undefined) status.lastOOMKill.memoryLimit = last.memoryLimit;
  }
  return status;
}

function notReadyFinding(obs: ComponentObservation): Finding | undefined {
  if (!obs.deployment) {
    return { reason: "NotReady", message: `${obs.name}: Deployment not observed yet` };
  }
  const ready = readyCount(obs);
  const updated = obs.deployment.status?.updatedReplicas ?? 0;
  if (ready < obs.desired) {
    return {
      reason: "NotReady",
      message: `${obs.name}: ${ready}/${obs.desired} pods ready${waitingHint(obs.pods)}`,
    };
  }
  if (updated < obs.desired) {
    return {
      reason: "NotReady",
      message: `${obs.name}: rolling out, ${updated}/${obs.desired} pods updated`,
    };
  }
  return undefined;
}

/**
 * The console's readiness probe is its `/healthz`, which answers only while the console reaches the
 * private API: console pods that run, started, but are not ready cannot reach it. Says so, with the
 * private API's own state (its pods, or that it is fine and the way between them is not).
 */
function guiFinding(
  gui: ComponentObservation,
  privateApi: ComponentObservation | undefined,
): Finding | undefined {
  const ready = readyCount(gui);
  if (ready >= gui.desired) return undefined;
  const unreachable = gui.pods.some(
    (p) =>
      p.status?.phase === "Running" &&
      (p.status.containerStatuses ?? []).some((cs) => cs.state?.running && cs.started !== false && !cs.ready),
  );
  if (!unreachable) return undefined;
  let api = "private-api: not deployed";
  if (privateApi) {
    const apiReady = readyCount(privateApi);
    api =
      apiReady < privateApi.desired
        ? `private-api: ${apiReady}/${privateApi.desired} pods ready${waitingHint(privateApi.pods)}`
        : `private-api: ${apiReady}/${privateApi.desired} pods ready, so the way from the console to its Service fails (a NetworkPolicy, the Service, DNS)`;
  }
  return {
    reason: "GuiCannotReachPrivateApi",
    message: `fe-rj-gui: ${ready}/${gui.desired} pods ready: the console cannot reach the private API (its /healthz checks it); ${api}`,
  };
}

/** The live pods of one component; terminating pods are on their way out and say nothing about health. */
export function podsOf(pods: readonly V1Pod[], component: ComponentName): V1Pod[] {
  return pods.filter(
    (p) => p.metadata?.labels?.[LABEL_COMPONENT] === component && !p.metadata?.deletionTimestamp,
  );
}

export function diagnosePods(
  observations: readonly ComponentObservation[],
  kills: readonly OOMKill[],
): PodsDiagnosis {
  const findings: Finding[] = [];
  const privateApi = observations.find((o) => o.name === "private-api");
  for (const obs of observations) {
    const own = obs.pods.flatMap((p) => podFindings(obs.name, p, kills));
    const gui = own.length === 0 && obs.name === "fe-rj-gui" ? guiFinding(obs, privateApi) : undefined;
    const nr = own.length === 0 && !gui ? notReadyFinding(obs) : undefined;
    findings.push(...own, ...(gui ? [gui] : []), ...(nr ? [nr] : []));
  }
  const components = observations.map((o) => componentStatus(o, kills));
  if (findings.length === 0) {
    return {
      condition: {
        type: CONDITION.ComponentsHealthy,
        status: "True",
        reason: "AllReady",
        message: `All ${observations.length} components have their pods ready`,
      },
      components,
    };
  }
  const rank = (r: PodReason) => POD_REASONS.indexOf(r);
  findings.sort((a, b) => rank(a.reason) - rank(b.reason));
  const first = findings[0] as Finding;
  const messages = [...new Set(findings.map((f) => f.message))];
  const shown = messages.slice(0, 5).join("; ");
  const more = messages.length > 5 ? ` (and ${messages.length - 5} more)` : "";
  return {
    condition: {
      type: CONDITION.ComponentsHealthy,
      status: "False",
      reason: first.reason,
      message: shown + more,
    },
    components,
  };
}
