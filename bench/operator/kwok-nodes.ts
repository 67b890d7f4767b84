import type { V1Node, V1Pod } from "@kubernetes/client-node";
import type { KubeHttp } from "../../operator/kube/http.js";
import {
  add,
  allocatable,
  type Demand,
  describeFootprint,
  extraNodesFor,
  type Footprint,
  NO_FOOTPRINT,
  type NodeRoom,
  podFootprint,
  schedulable,
} from "./capacity.js";

/** The annotation kwok's `--manage-nodes-with-annotation-selector` picks nodes by (e2e/scripts/cluster-up.sh). */
const KWOK_ANNOTATION = "kwok.x-k8s.io/node";
const BENCH_LABEL = "tracardi.io/bench";

interface Sized {
  /** Nodes the bench created, to delete at the end. */
  created: string[];
  /** One line for the log: what was asked, what the cluster had, what was added. */
  summary: string;
}

/**
 * Makes room in the cluster for `demand`: counts what the schedulable nodes offer less what running and
 * pending pods request, and when that is short adds fake nodes like the cluster's kwok nodes (same
 * labels, capacity and kwok annotation; kwok plays their kubelets). Outside a kwok cluster it fails,
 * saying how much is missing, before anything waits for pods that cannot be scheduled.
 */
export async function sizeClusterFor(
  http: KubeHttp,
  demand: Demand,
  runId: string,
  options: { addNodes: boolean },
): Promise<Sized> {
  const nodes = (await http.request<{ items: V1Node[] }>({ method: "GET", path: "/api/v1/nodes" })).items;
  const pods = (
    await http.request<{ items: V1Pod[] }>({
      method: "GET",
      path: "/api/v1/pods",
      query: { fieldSelector: "status.phase!=Succeeded,status.phase!=Failed" },
    })
  ).items;
  const open = nodes.filter(schedulable);
  const used = new Map<string, Footprint>();
  let unbound = NO_FOOTPRINT;
  for (const pod of pods) {
    const fp = pod.spec ? podFootprint(pod.spec) : NO_FOOTPRINT;
    const node = pod.spec?.nodeName;
    if (node) used.set(node, add(used.get(node) ?? NO_FOOTPRINT, fp));
    else unbound = add(unbound, fp);
  }
  const rooms: NodeRoom[] = open.map((n) => ({
    allocatable: allocatable(n),
    used: used.get(n.metadata?.name ?? "") ?? NO_FOOTPRINT,
  }));
  const offered = rooms.map((r) => r.allocatable).reduce(add, NO_FOOTPRINT);
  const inUse = rooms.map((r) => r.used).reduce(add, unbound);
  const had = `${open.length} schedulable nodes (${describeFootprint(offered)}; in use ${describeFootprint(inUse)})`;
  const asked = `asked for ${describeFootprint(demand.total)}`;
  const template = open.find((n) => n.metadata?.annotations?.[KWOK_ANNOTATION] === "fake");
  const sizeLike = template ?? open[0];
  if (!sizeLike) throw new Error(`${asked}, but the cluster has no schedulable node`);
  const extra = extraNodesFor(demand, rooms, unbound, allocatable(sizeLike));
  if (extra === 0) return { created: [], summary: `${asked}; the cluster has room: ${had}` };
  if (!options.addNodes) {
    return {
      created: [],
      summary: `${asked}, but the cluster has ${had}: about ${extra} nodes short (not adding any)`,
    };
  }
  if (!template) {
    throw new Error(
      `${asked}, but the cluster has ${had} and no kwok node to copy: add about ${extra} nodes like ${sizeLike.metadata?.name} or lower --count`,
    );
  }
  const names = Array.from({ length: extra }, (_, i) => `kwok-bench-${runId}-${i}`);
  await Promise.all(
    names.map((name) =>
      http.request({ method: "POST", path: "/api/v1/nodes", body: likeNode(template, name) }),
    ),
  );
  await waitForSchedulable(http, names).catch(async (err: unknown) => {
    await deleteNodes(http, names);
    throw err;
  });
  return {
    created: names,
    summary: `${asked}; the cluster had ${had}: added ${extra} kwok node${extra === 1 ? "" : "s"} like ${template.metadata?.name} (${describeFootprint(allocatable(template))} each)`,
  };
}

function likeNode(template: V1Node, name: string): V1Node {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      annotations: { ...template.metadata?.annotations },
      labels: { ...template.metadata?.labels, "kubernetes.io/hostname": name, [BENCH_LABEL]: "true" },
    },
    status: { allocatable: template.status?.allocatable, capacity: template.status?.capacity },
  };
}

async function waitForSchedulable(http: KubeHttp, names: string[]): Promise<void> {
  const deadline = Date.now() + 60_000;
  let waiting = names;
  while (Date.now() < deadline) {
    const nodes = await Promise.all(
      waiting.map((n) => http.request<V1Node>({ method: "GET", path: `/api/v1/nodes/${n}` })),
    );
    waiting = nodes.filter((n) => !schedulable(n)).map((n) => n.metadata?.name ?? "");
    if (waiting.length === 0) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(
    `added nodes not Ready and untainted within 60 s (is kwok running?): ${waiting.slice(0, 5).join(", ")}`,
  );
}

export async function deleteNodes(http: KubeHttp, names: string[]): Promise<void> {
  await Promise.all(
    names.map((n) => http.request({ method: "DELETE", path: `/api/v1/nodes/${n}` }).catch(() => undefined)),
  );
}
