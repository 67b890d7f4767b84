import type { FlowEdge, FlowNode } from "./types";

export interface GraphNode {
  id: string;
  label: string;
  detail?: string;
  x: number;
  y: number;
}

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  label?: string;
}

export interface Graph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

const COLUMN = 240;
const ROW = 110;

/**
 * Left-to-right layers: a node's column is the longest path to it from a node without inputs
 * (cycles, which saving refuses anyway, are cut where they close); rows in order of appearance.
 */
export function layoutFlow(nodes: FlowNode[], edges: FlowEdge[]): Graph {
  const incoming = new Map<string, string[]>();
  for (const e of edges) incoming.set(e.target, [...(incoming.get(e.target) ?? []), e.source]);
  const depth = new Map<string, number>();
  const visiting = new Set<string>();
  const depthOf = (id: string): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) return 0;
    visiting.add(id);
    const parents = (incoming.get(id) ?? []).filter((p) => nodes.some((n) => n.id === p));
    const d = parents.length === 0 ? 0 : Math.max(...parents.map(depthOf)) + 1;
    visiting.delete(id);
    depth.set(id, d);
    return d;
  };
  const rows = new Map<number, number>();
  const laidOut = nodes.map((node) => {
    const column = depthOf(node.id);
    const row = rows.get(column) ?? 0;
    rows.set(column, row + 1);
    return { id: node.id, label: node.type, detail: node.id, x: column * COLUMN, y: row * ROW };
  });
  return {
    nodes: laidOut,
    edges: edges.map((e, i) => ({
      id: `e${i}-${e.source}-${e.target}`,
      source: e.source,
      target: e.target,
      ...(e.sourcePort && e.sourcePort !== "payload" ? { label: e.sourcePort } : {}),
    })),
  };
}

interface ExportNode {
  id?: unknown;
  position?: { x?: unknown; y?: unknown };
  data?: { name?: unknown; spec?: { className?: unknown; module?: unknown } };
}

interface ExportEdge {
  id?: unknown;
  source?: unknown;
  target?: unknown;
  sourceHandle?: unknown;
}

/** The graph of a Tracardi flow export (`{flowGraph: {nodes, edges}}`) as drawn by Tracardi, for a draft that did not import. */
export function exportGraph(doc: unknown): Graph | null {
  const graph = (doc as { flowGraph?: { nodes?: unknown; edges?: unknown } } | null)?.flowGraph;
  if (!graph || !Array.isArray(graph.nodes)) return null;
  const nodes = (graph.nodes as ExportNode[]).map((n, i) => {
    const spec = n.data?.spec;
    const name = typeof n.data?.name === "string" ? n.data.name : undefined;
    const className = typeof spec?.className === "string" ? spec.className : "node";
    const x = typeof n.position?.x === "number" ? n.position.x : (i % 4) * COLUMN;
    const y = typeof n.position?.y === "number" ? n.position.y : Math.floor(i / 4) * ROW;
    return {
      id: String(n.id),
      label: name ?? className,
      detail: typeof spec?.module === "string" ? spec.module : undefined,
      x,
      y,
    };
  });
  const edges = (Array.isArray(graph.edges) ? (graph.edges as ExportEdge[]) : []).map((e, i) => ({
    id: typeof e.id === "string" ? e.id : `e${i}`,
    source: String(e.source),
    target: String(e.target),
  }));
  return { nodes, edges };
}
