import type { V1Deployment, V1Pod } from "@kubernetes/client-node";
import type { KubeHttp } from "../../operator/kube/http.js";
import { RESOURCES, resourcePath } from "../../operator/kube/resources.js";

interface Cond {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}
export interface TracardiLite {
  metadata: { name: string };
  status?: { conditions?: Cond[] };
}

/** Where a namespace's Tracardis, Deployments and pods stand: what a long wait prints and fails with. */
export interface Snapshot {
  tracardis: number;
  ready: number;
  /** The Tracardis that are not Ready, by the reason of their Ready condition, with a count. */
  notReady: Map<string, number>;
  /** One not-Ready Tracardi per reason with its message, e.g. `many-80: public-api: pod … cannot be scheduled: …`. */
  notReadyExample: Map<string, string>;
  deployments: number;
  deploymentsReady: number;
  podsByPhase: Map<string, number>;
  /** Why pods are Pending (the scheduler's message, or what the scheduled pod waits for), with a count. */
  pending: Map<string, number>;
}

const isReady = (t: TracardiLite) =>
  t.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;

export async function listTracardis(http: KubeHttp, ns: string): Promise<TracardiLite[]> {
  return (
    await http.request<{ items: TracardiLite[] }>({
      method: "GET",
      path: resourcePath(RESOURCES.tracardi, ns),
    })
  ).items;
}

export async function readyCount(http: KubeHttp, ns: string): Promise<number> {
  return (await listTracardis(http, ns)).filter(isReady).length;
}

export async function snapshot(http: KubeHttp, ns: string): Promise<Snapshot> {
  const [tracardis, deployments, pods] = await Promise.all([
    listTracardis(http, ns),
    http.request<{ items: V1Deployment[] }>({ method: "GET", path: resourcePath(RESOURCES.deployment, ns) }),
    http.request<{ items: V1Pod[] }>({ method: "GET", path: resourcePath(RESOURCES.pod, ns) }),
  ]);
  return summarise(tracardis, deployments.items, pods.items);
}

const countBy = <T>(xs: T[], key: (x: T) => string): Map<string, number> => {
  const counts = new Map<string, number>();
  for (const x of xs) counts.set(key(x), (counts.get(key(x)) ?? 0) + 1);
  return counts;
};

const readyCondition = (t: TracardiLite) => t.status?.conditions?.find((c) => c.type === "Ready");
const readyReason = (t: TracardiLite) => readyCondition(t)?.reason ?? "no Ready condition yet";

export function summarise(tracardis: TracardiLite[], deployments: V1Deployment[], pods: V1Pod[]): Snapshot {
  const notReady = tracardis.filter((t) => !isReady(t));
  return {
    tracardis: tracardis.length,
    ready: tracardis.filter(isReady).length,
    notReady: countBy(notReady, readyReason),
    notReadyExample: new Map(
      notReady.map((t) => {
        const message = readyCondition(t)?.message ?? "";
        return [
          readyReason(t),
          `${t.metadata.name}: ${message.length > 160 ? `${message.slice(0, 160)}…` : message}`,
        ];
      }),
    ),
    deployments: deployments.length,
    deploymentsReady: deployments.filter((d) => (d.status?.readyReplicas ?? 0) >= (d.spec?.replicas ?? 1))
      .length,
    podsByPhase: countBy(pods, (p) =>
      p.metadata?.deletionTimestamp ? "Terminating" : (p.status?.phase ?? "Unknown"),
    ),
    pending: countBy(
      pods.filter((p) => p.status?.phase === "Pending" && !p.metadata?.deletionTimestamp),
      pendingReason,
    ),
  };
}

/** Why a Pending pod waits: the scheduler's verdict (without its preemption postscript) or its containers'. */
export function pendingReason(pod: V1Pod): string {
  const scheduled = pod.status?.conditions?.find((c) => c.type === "PodScheduled");
  if (scheduled?.status === "False") {
    // "0/3 nodes are available: 3 Too many pods. no new claims to deallocate, preemption: 0/3 …": the verdict.
    const message = (scheduled.message ?? scheduled.reason ?? "unschedulable").split(" preemption:")[0] ?? "";
    return message.replace(/\s*no new claims to deallocate,?/, "").replace(/[,\s]+$/, "");
  }
  if (!pod.spec?.nodeName) return "not scheduled yet";
  const waiting = pod.status?.containerStatuses?.find((c) => c.state?.waiting)?.state?.waiting?.reason;
  return `on ${pod.spec.nodeName}, ${waiting ?? "containers not started yet"}`;
}

const list = (counts: Map<string, number>, max = 3): string => {
  const sorted = [...counts].sort((a, b) => b[1] - a[1]);
  const shown = sorted.slice(0, max).map(([what, n]) => `${n} × ${what}`);
  const others = sorted.slice(max).reduce((n, [, count]) => n + count, 0);
  if (others) shown.push(`${others} for other reasons`);
  return shown.join("; ");
};

/** One progress line: "Ready 80/205 · Deployments Ready 400/820 · pods Running 600, Pending 31". */
export function progressLine(s: Snapshot, expectedTracardis: number): string {
  const phases = [...s.podsByPhase].map(([phase, n]) => `${phase} ${n}`).join(", ") || "none";
  const pendingWhy = s.pending.size ? ` (${list(s.pending, 1)})` : "";
  return `Ready ${s.ready}/${expectedTracardis} · Deployments Ready ${s.deploymentsReady}/${s.deployments} · pods ${phases}${pendingWhy}`;
}

/** What is still missing, for a failure message. */
export function explain(s: Snapshot): string {
  const parts: string[] = [];
  const pendingPods = [...s.pending.values()].reduce((a, b) => a + b, 0);
  if (pendingPods) parts.push(`${pendingPods} pods Pending: ${list(s.pending)}`);
  if (s.notReady.size) {
    const examples = [...s.notReadyExample.values()].slice(0, 2).join(" | ");
    parts.push(`${s.tracardis - s.ready} Tracardis not Ready: ${list(s.notReady)} (e.g. ${examples})`);
  }
  if (s.deploymentsReady < s.deployments)
    parts.push(`${s.deployments - s.deploymentsReady} Deployments not Ready`);
  return parts.join("; ") || "nothing pending in the namespace";
}

/**
 * Polls `probe` until it holds; on timeout fails with what it waited for and, from `why`, what is
 * missing. Resolves with the milliseconds it took.
 */
export async function waitFor(
  what: string,
  probe: () => Promise<boolean>,
  options: { timeoutMs: number; intervalMs?: number; why?: () => Promise<string> },
): Promise<number> {
  const start = performance.now();
  while (performance.now() - start < options.timeoutMs) {
    if (await probe()) return performance.now() - start;
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 100));
  }
  const why = options.why ? `: ${await options.why().catch((e: unknown) => String(e))}` : "";
  throw new Error(`waited ${Math.round(options.timeoutMs / 1000)} s for ${what}${why}`);
}
