import type { V1ContainerStatus, V1Pod } from "@kubernetes/client-node";
import { type ComponentName, isComponentName } from "../../api/components.js";
import { LABEL_COMPONENT } from "../desired/labels.js";

export const OOM_WINDOW_MS = 3_600_000;

/** One OOM kill, identified by pod uid, container and which run of the container died. */
export interface OOMKill {
  id: string;
  component: ComponentName;
  pod: string;
  container: string;
  at: string;
  memoryLimit?: string;
}

function memoryLimit(pod: V1Pod, container: string): string | undefined {
  return pod.spec?.containers.find((c) => c.name === container)?.resources?.limits?.memory;
}

function killsOf(pod: V1Pod, cs: V1ContainerStatus, component: ComponentName): OOMKill[] {
  const out: OOMKill[] = [];
  const base = { component, pod: pod.metadata?.name ?? "?", container: cs.name };
  const limit = memoryLimit(pod, cs.name);
  const add = (run: number, at: Date | undefined) => {
    const kill: OOMKill = {
      ...base,
      id: `${pod.metadata?.uid ?? base.pod}/${cs.name}/${run}`,
      at: toTimestamp(at),
    };
    if (limit !== undefined) kill.memoryLimit = limit;
    out.push(kill);
  };
  // The run that died is restartCount while it is still terminated, restartCount-1 once restarted.
  const current = cs.state?.terminated;
  if (current?.reason === "OOMKilled") add(cs.restartCount, current.finishedAt);
  const last = cs.lastState?.terminated;
  if (last?.reason === "OOMKilled") add(Math.max(0, cs.restartCount - 1), last.finishedAt);
  return out;
}

function toTimestamp(value: Date | string | undefined): string {
  if (value === undefined) return new Date(0).toISOString();
  return new Date(value).toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function observeOOMKills(pods: readonly V1Pod[]): OOMKill[] {
  const out: OOMKill[] = [];
  for (const pod of pods) {
    const component = pod.metadata?.labels?.[LABEL_COMPONENT];
    if (!isComponentName(component)) continue;
    for (const cs of pod.status?.containerStatuses ?? []) out.push(...killsOf(pod, cs, component));
  }
  return out;
}

/** Adds newly observed kills to the history (dedup by id) and forgets kills older than the window. */
export function mergeOOMHistory(
  history: readonly OOMKill[],
  observed: readonly OOMKill[],
  now: Date,
): OOMKill[] {
  const byId = new Map(history.map((k) => [k.id, k]));
  for (const k of observed) if (!byId.has(k.id)) byId.set(k.id, k);
  const cutoff = now.getTime() - OOM_WINDOW_MS;
  return [...byId.values()]
    .filter((k) => Date.parse(k.at) >= cutoff)
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}
