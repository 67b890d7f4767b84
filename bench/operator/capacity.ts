import type { V1Container, V1Deployment, V1Node, V1PodSpec } from "@kubernetes/client-node";

/** What pods ask the scheduler for: pod slots, CPU in millicores, memory in bytes. */
export interface Footprint {
  pods: number;
  cpuMillis: number;
  memoryBytes: number;
}

/** What a workload needs in all, and its largest single pod (what fragmentation can strand per node). */
export interface Demand {
  total: Footprint;
  largestPod: Footprint;
}

/** A schedulable node: what it offers and what its pods already request. */
export interface NodeRoom {
  allocatable: Footprint;
  used: Footprint;
}

export const NO_FOOTPRINT: Footprint = { pods: 0, cpuMillis: 0, memoryBytes: 0 };

const DIMENSIONS = ["pods", "cpuMillis", "memoryBytes"] as const;

const SUFFIXES: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A Kubernetes quantity ("500m", "2", "256Gi", "1e3") in base units; undefined is 0. */
export function quantity(q: string | number | undefined): number {
  if (q === undefined) return 0;
  if (typeof q === "number") return q;
  const match = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)([a-zA-Z]*)$/.exec(q.trim());
  const factor = match ? SUFFIXES[match[2] ?? ""] : undefined;
  if (!match || factor === undefined) throw new Error(`not a Kubernetes quantity: ${q}`);
  return Number(match[1]) * factor;
}

export const add = (a: Footprint, b: Footprint): Footprint => ({
  pods: a.pods + b.pods,
  cpuMillis: a.cpuMillis + b.cpuMillis,
  memoryBytes: a.memoryBytes + b.memoryBytes,
});

const scale = (a: Footprint, n: number): Footprint => ({
  pods: a.pods * n,
  cpuMillis: a.cpuMillis * n,
  memoryBytes: a.memoryBytes * n,
});

const largest = (a: Footprint, b: Footprint): Footprint => ({
  pods: Math.max(a.pods, b.pods),
  cpuMillis: Math.max(a.cpuMillis, b.cpuMillis),
  memoryBytes: Math.max(a.memoryBytes, b.memoryBytes),
});

/** A container's requests as the scheduler counts them (requests default to limits). */
function containerFootprint(c: V1Container): Footprint {
  const requests = c.resources?.requests ?? {};
  const limits = c.resources?.limits ?? {};
  return {
    pods: 0,
    cpuMillis: quantity(requests.cpu ?? limits.cpu) * 1000,
    memoryBytes: quantity(requests.memory ?? limits.memory),
  };
}

/** One pod: its containers together, or its largest init container if that asks more. */
export function podFootprint(spec: V1PodSpec): Footprint {
  const running = spec.containers.map(containerFootprint).reduce(add, NO_FOOTPRINT);
  const init = (spec.initContainers ?? []).map(containerFootprint).reduce(largest, NO_FOOTPRINT);
  return { ...largest(running, init), pods: 1 };
}

/** The pods of these Deployments at their replica counts (unset replicas: the API server's default, 1). */
export function deploymentsDemand(deployments: V1Deployment[]): Demand {
  return deployments.reduce<Demand>(
    (demand, d) => {
      const pod = podFootprint(d.spec?.template.spec ?? { containers: [] });
      return {
        total: add(demand.total, scale(pod, d.spec?.replicas ?? 1)),
        largestPod: largest(demand.largestPod, pod),
      };
    },
    { total: NO_FOOTPRINT, largestPod: NO_FOOTPRINT },
  );
}

export const times = (demand: Demand, n: number): Demand => ({
  total: scale(demand.total, n),
  largestPod: demand.largestPod,
});

/** Whether the scheduler places ordinary pods on the node: Ready, not cordoned, no NoSchedule/NoExecute taint. */
export function schedulable(node: V1Node): boolean {
  const ready = node.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
  const tainted = (node.spec?.taints ?? []).some(
    (t) => t.effect === "NoSchedule" || t.effect === "NoExecute",
  );
  return ready && !node.spec?.unschedulable && !tainted;
}

export function allocatable(node: V1Node): Footprint {
  const a = node.status?.allocatable ?? {};
  return { pods: quantity(a.pods), cpuMillis: quantity(a.cpu) * 1000, memoryBytes: quantity(a.memory) };
}

/**
 * How many more nodes like `template` the demand needs, dimension by dimension. A node's room counts
 * less the largest pod's CPU and memory (a pod does not fit in what is left when that is smaller than
 * the pod), so every pod fits however the scheduler packs them; pending pods not yet on a node
 * (`unbound`) take room too.
 */
export function extraNodesFor(
  demand: Demand,
  nodes: NodeRoom[],
  unbound: Footprint,
  template: Footprint,
): number {
  const slack: Footprint = { ...demand.largestPod, pods: 0 };
  let extra = 0;
  for (const d of DIMENSIONS) {
    const room = nodes.reduce((sum, n) => sum + Math.max(0, n.allocatable[d] - n.used[d] - slack[d]), 0);
    const short = demand.total[d] - (room - unbound[d]);
    if (short <= 0) continue;
    const perNode = template[d] - slack[d];
    if (perNode <= 0) throw new Error(`a node like the template has no room for one pod (${d})`);
    extra = Math.max(extra, Math.ceil(short / perNode));
  }
  return extra;
}

export function describeFootprint(f: Footprint): string {
  const gib = f.memoryBytes / 2 ** 30;
  return `${f.pods} pods, ${+(f.cpuMillis / 1000).toFixed(1)} CPU, ${+gib.toFixed(1)} GiB`;
}
