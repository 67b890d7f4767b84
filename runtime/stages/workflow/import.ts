import { isPlainObject } from "../../domain/paths.js";
import type { Json, JsonObject } from "../../domain/types.js";
import type { CompiledFlow } from "./compiled.js";
import type { Flow, FlowEdge, FlowNode, NodeType, Problem } from "./model.js";
import { tryParsePath, UnsafeTqlPathError } from "./tql/parse.js";
import { validateFlow } from "./validate.js";

/** A node of the export that has no counterpart here. */
export interface UnsupportedNode {
  id: string;
  module: string;
  reason: string;
}

export type ImportResult =
  | { ok: true; flow: Flow; compiled: CompiledFlow }
  | { ok: false; unsupported: UnsupportedNode[]; problems: Problem[] };

type Init = JsonObject;
type Mapped = Array<{ type: NodeType; config: JsonObject }>;
/** Returns the node(s) replacing a Tracardi node, or a reason it cannot be imported. */
type Mapper = (init: Init) => Mapped | string;

const V1 = "tracardi.process_engine.action.v1.";

/**
 * Tracardi plugin modules (spec.module) and how their `init` maps to our node configs. A Map, as
 * `spec.module` is client text: `__proto__` or `constructor` must find nothing.
 */
const MAPPERS: ReadonlyMap<string, Mapper> = new Map<string, Mapper>(
  Object.entries({
    [`${V1}flow.start.start_action`]: (init) => [
      { type: "start", config: { event_types: eventTypes(init.event_types) } },
    ],
    [`${V1}end_action`]: () => [{ type: "end", config: {} }],
    [`${V1}if_action`]: (init) => [{ type: "if", config: { condition: str(init.condition) } }],
    [`${V1}traits.copy_trait_action`]: (init) => {
      const set = isPlainObject(init.traits) && isPlainObject(init.traits.set) ? init.traits.set : {};
      const nodes: Mapped = Object.entries(set).map(([to, from]): Mapped[number] => ({
        type: "copy-data",
        config: typeof from === "string" && readsAsPath(from) ? { from, to } : { value: from, to },
      }));
      return nodes.length > 0 ? nodes : "traits.set is empty";
    },
    [`${V1}traits.append_trait_action`]: (init) => {
      const nodes: Mapped = [];
      for (const [path, value] of Object.entries(isPlainObject(init.append) ? init.append : {})) {
        nodes.push({ type: "append-data", config: { path, value } });
      }
      for (const [path, value] of Object.entries(isPlainObject(init.remove) ? init.remove : {})) {
        nodes.push({ type: "remove-data", config: { path, value } });
      }
      return nodes.length > 0 ? nodes : "append and remove are empty";
    },
    [`${V1}traits.delete_trait_action`]: (init) => [
      { type: "delete-fields", config: { paths: Array.isArray(init.delete) ? init.delete : [] } },
    ],
    [`${V1}increment_action`]: (init) => [
      { type: "increment", config: { path: str(init.field), by: num(init.increment, 1) } },
    ],
    [`${V1}decrement_action`]: (init) => [
      { type: "decrement", config: { path: str(init.field), by: num(init.decrement, 1) } },
    ],
    [`${V1}increase_views_action`]: () => [{ type: "increase-views", config: {} }],
    [`${V1}increase_visits_action`]: () => [{ type: "increase-visits", config: {} }],
    [`${V1}segmentation.add.plugin`]: (init) => [
      { type: "add-segment", config: { segment: str(init.segment) } },
    ],
    [`${V1}segmentation.delete.plugin`]: (init) => [
      { type: "delete-segment", config: { segment: str(init.segment) } },
    ],
    [`${V1}interest.add.plugin`]: (init) => [
      { type: "add-interest", config: { interest: str(init.interest), value: num(init.value, 1) } },
    ],
    [`${V1}interest.increase.plugin`]: (init) => [
      { type: "increase-interest", config: { interest: str(init.interest), by: num(init.value, 1) } },
    ],
    [`${V1}operations.merge_profiles_action`]: (init) => [
      { type: "merge-profiles", config: { keys: Array.isArray(init.mergeBy) ? init.mergeBy : [] } },
    ],
    [`${V1}connectors.api_call.plugin`]: remoteCall,
    [`${V1}internal.add_response.plugin`]: (init) => {
      const body = parseJson(init.body ?? "{}");
      if (body === undefined) return "body is not valid JSON";
      return [{ type: "create-response", config: { key: str(init.key), value: body } }];
    },
    [`${V1}template_action`]: (init) => [
      { type: "payload-template", config: { template: str(init.template) } },
    ],
    [`${V1}operations.write_to_memory.plugin`]: (init) => [
      { type: "write-memory", config: { key: str(init.key), value: init.value ?? null } },
    ],
    [`${V1}operations.read_from_memory.plugin`]: (init) => [
      { type: "read-memory", config: { key: str(init.key) } },
    ],
  } satisfies Record<string, Mapper>),
);

/** An unsafe path is still a path: kept as one, so validating the flow refuses it naming the field. */
function readsAsPath(text: string): boolean {
  try {
    return tryParsePath(text) !== undefined;
  } catch (error) {
    if (error instanceof UnsafeTqlPathError) return true;
    throw error;
  }
}

export const SUPPORTED_TRACARDI_MODULES: readonly string[] = [...MAPPERS.keys()];

/**
 * Converts a Tracardi flow export (`{flowGraph: {nodes, edges}}`, React-flow format, tracardi.md §7.1)
 * into our flow and validates it. A Tracardi node whose config holds several actions (copy, append)
 * becomes a chain of nodes `id`, `id#2`, ...; its incoming edges reach the first, outgoing edges
 * leave from the last.
 */
export function importTracardiFlow(input: unknown): ImportResult {
  const doc = isPlainObject(input) ? input : {};
  const graph = isPlainObject(doc.flowGraph) ? doc.flowGraph : undefined;
  if (!graph || !Array.isArray(graph.nodes)) {
    return {
      ok: false,
      unsupported: [],
      problems: [{ field: "flowGraph", message: "missing flowGraph.nodes" }],
    };
  }
  const nodes: FlowNode[] = [];
  const edges: FlowEdge[] = [];
  const unsupported: UnsupportedNode[] = [];
  const ends = new Map<string, { first: string; last: string }>();

  for (const raw of graph.nodes) {
    const node = isPlainObject(raw) ? raw : {};
    const id = str(node.id);
    const spec = isPlainObject(node.data) && isPlainObject(node.data.spec) ? node.data.spec : {};
    const module = str(spec.module);
    const mapper = MAPPERS.get(module);
    const mapped = mapper
      ? mapper(isPlainObject(spec.init) ? spec.init : {})
      : "no supported node for this plugin";
    if (typeof mapped === "string") {
      unsupported.push({ id, module: module || "(none)", reason: mapped });
      continue;
    }
    const ids = mapped.map((_, i) => (i === 0 ? id : `${id}#${i + 1}`));
    mapped.forEach((m, i) => {
      nodes.push({ id: ids[i] as string, type: m.type, config: m.config });
      if (i > 0) {
        edges.push({
          source: ids[i - 1] as string,
          sourcePort: "payload",
          target: ids[i] as string,
          targetPort: "payload",
        });
      }
    });
    ends.set(id, { first: ids[0] as string, last: ids[ids.length - 1] as string });
  }
  if (unsupported.length > 0) return { ok: false, unsupported, problems: [] };

  for (const raw of Array.isArray(graph.edges) ? graph.edges : []) {
    const edge = isPlainObject(raw) ? raw : {};
    const source = str(edge.source);
    const target = str(edge.target);
    edges.push({
      source: ends.get(source)?.last ?? source,
      sourcePort: str(edge.sourceHandle) || "payload",
      target: ends.get(target)?.first ?? target,
      targetPort: str(edge.targetHandle) || "payload",
    });
  }

  const flow = {
    ...(typeof doc.id === "string" && doc.id !== "" ? { id: doc.id } : {}),
    name: str(doc.name) || "Imported flow",
    ...(typeof doc.description === "string" ? { description: doc.description } : {}),
    nodes,
    edges,
  };
  const validation = validateFlow(flow);
  return validation.ok ? validation : { ok: false, unsupported: [], problems: validation.problems };
}

function remoteCall(init: Init): Mapped | string {
  const body = isPlainObject(init.body) ? init.body : { type: "application/json", content: "{}" };
  if (body.type !== "application/json") return `only JSON bodies are supported, got ${String(body.type)}`;
  const content = parseJson(body.content ?? "{}");
  if (content === undefined) return "body.content is not valid JSON";
  const method = str(init.method || "post").toUpperCase();
  const headers = isPlainObject(init.headers) ? init.headers : {};
  const config: JsonObject = {
    url: str(init.url ?? init.endpoint),
    method,
    headers,
    timeout_ms: num(init.timeout, 30) * 1000,
  };
  if (method !== "GET") config.body = content;
  return [{ type: "remote-call", config }];
}

function eventTypes(value: Json | undefined): string[] {
  if (!Array.isArray(value)) return [];
  return value
    .map((item) => (typeof item === "string" ? item : isPlainObject(item) ? str(item.id) : ""))
    .filter((id) => id !== "");
}

function str(value: Json | undefined): string {
  return typeof value === "string" ? value : value === undefined || value === null ? "" : String(value);
}

/** Tracardi keeps many numbers as strings (`"1.0"`); a non-number is left for validation to reject. */
function num(value: Json | undefined, fallback: number): number {
  if (value === undefined || value === null || value === "") return fallback;
  const n = typeof value === "number" ? value : Number(value);
  return Number.isFinite(n) ? n : Number.NaN;
}

function parseJson(value: Json): Json | undefined {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value) as Json;
  } catch {
    return undefined;
  }
}
