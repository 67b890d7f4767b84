import type { FlowEdge } from "./model.js";

/**
 * Topological order of node ids (Kahn), ties broken by declaration order so runs are deterministic.
 * `cycle` lists one cycle (first node repeated at the end) when the graph has any.
 */
export function topologicalOrder(
  ids: readonly string[],
  edges: readonly Pick<FlowEdge, "source" | "target">[],
): { order: string[]; cycle?: string[] } {
  const position = new Map(ids.map((id, i) => [id, i]));
  const indegree = new Map(ids.map((id) => [id, 0]));
  const next = new Map<string, string[]>(ids.map((id) => [id, []]));
  const prev = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const edge of edges) {
    if (!position.has(edge.source) || !position.has(edge.target)) continue;
    next.get(edge.source)?.push(edge.target);
    prev.get(edge.target)?.push(edge.source);
    indegree.set(edge.target, (indegree.get(edge.target) ?? 0) + 1);
  }
  const ready = ids.filter((id) => indegree.get(id) === 0);
  const order: string[] = [];
  while (ready.length > 0) {
    ready.sort((a, b) => (position.get(a) ?? 0) - (position.get(b) ?? 0));
    const id = ready.shift() as string;
    order.push(id);
    for (const target of next.get(id) ?? []) {
      const left = (indegree.get(target) ?? 0) - 1;
      indegree.set(target, left);
      if (left === 0) ready.push(target);
    }
  }
  if (order.length === ids.length) return { order };
  const remaining = new Set(ids.filter((id) => !order.includes(id)));
  return { order, cycle: findCycle(remaining, prev) };
}

/**
 * A node left after Kahn's algorithm still has an unprocessed predecessor, so walking predecessors
 * within the remaining nodes must revisit one: that loop, reversed, is a cycle.
 */
function findCycle(remaining: Set<string>, prev: Map<string, string[]>): string[] {
  const path: string[] = [];
  const seen = new Map<string, number>();
  let current = remaining.values().next().value as string;
  while (!seen.has(current)) {
    seen.set(current, path.length);
    path.push(current);
    current = (prev.get(current) ?? []).find((id) => remaining.has(id)) as string;
  }
  const loop = path.slice(seen.get(current)).reverse();
  return [...loop, loop[0] as string];
}
