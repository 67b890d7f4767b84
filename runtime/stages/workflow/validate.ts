import { Ajv, type ValidateFunction } from "ajv";
import type { Json, JsonObject } from "../../domain/types.js";
import type { CompiledFlow, CompiledNode } from "./compiled.js";
import { topologicalOrder } from "./graph.js";
import { type Flow, type FlowEdge, type FlowNode, NODE_TYPES, type NodeType, type Problem } from "./model.js";
import { isNodeType, NODE_DEFINITIONS } from "./nodes/registry.js";
import { schemaProblems } from "./schema-errors.js";
import { collectingTools } from "./tools.js";

export type FlowValidation =
  | { ok: true; flow: Flow; compiled: CompiledFlow }
  | { ok: false; problems: Problem[] };

/** Thrown by compileFlow for a flow that does not validate (e.g. a stored flow from an older version). */
export class FlowValidationError extends Error {
  override readonly name = "FlowValidationError";
  constructor(readonly problems: Problem[]) {
    super(
      `invalid flow: ${problems.map((p) => `${p.node ? `node ${p.node}: ` : ""}${p.field} ${p.message}`).join("; ")}`,
    );
  }
}

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false, verbose: true });

const ID = { type: "string", minLength: 1, maxLength: 200 };
const flowShape = ajv.compile({
  type: "object",
  properties: {
    id: ID,
    name: { type: "string", minLength: 1 },
    description: { type: "string" },
    nodes: {
      type: "array",
      items: {
        type: "object",
        properties: { id: ID, type: { type: "string" }, config: { type: "object" } },
        required: ["id", "type"],
      },
    },
    edges: {
      type: "array",
      items: {
        type: "object",
        properties: { source: ID, sourcePort: ID, target: ID, targetPort: ID },
        required: ["source", "sourcePort", "target", "targetPort"],
        additionalProperties: false,
      },
      default: [],
    },
  },
  required: ["name", "nodes"],
});

const configValidators = new Map<NodeType, ValidateFunction>(
  NODE_TYPES.map((type) => [type, ajv.compile(NODE_DEFINITIONS[type].schema)]),
);

/**
 * Validates a flow as posted to `/api/v1/flows`. On success returns the normalised flow (config
 * defaults filled in) and its compiled form; otherwise every problem found, each naming the node.
 */
export function validateFlow(input: unknown): FlowValidation {
  const doc = structuredClone(input) as Json;
  if (!flowShape(doc)) {
    return { ok: false, problems: withNodeIds(schemaProblems(flowShape.errors, ""), doc) };
  }
  const raw = doc as unknown as Flow;
  const problems: Problem[] = [];
  const byId = new Map<string, { node: FlowNode; index: number }>();

  raw.nodes.forEach((node, index) => {
    if (byId.has(node.id)) {
      problems.push({
        node: node.id,
        field: `nodes[${index}].id`,
        message: `duplicate node id "${node.id}"`,
      });
    } else byId.set(node.id, { node, index });
  });

  const runs = new Map<string, CompiledNode["run"]>();
  raw.nodes.forEach((node, index) => {
    if (!isNodeType(node.type)) {
      problems.push({
        node: node.id,
        field: `nodes[${index}].type`,
        message: `unknown node type "${String(node.type)}"; known types: ${NODE_TYPES.join(", ")}`,
      });
      return;
    }
    const config: JsonObject = node.config ?? {};
    node.config = config;
    const prefix = `nodes[${index}].config`;
    const check = configValidators.get(node.type) as ValidateFunction;
    if (!check(config)) {
      for (const p of schemaProblems(check.errors, prefix)) problems.push({ node: node.id, ...p });
      return;
    }
    const before = problems.length;
    const run = NODE_DEFINITIONS[node.type].compile(
      config as never,
      collectingTools(node.id, prefix, problems),
    );
    if (problems.length === before) runs.set(node.id, run);
  });

  const goodEdges: FlowEdge[] = [];
  raw.edges.forEach((edge, index) => {
    const before = problems.length;
    checkEnd(edge.source, edge.sourcePort, "output", `edges[${index}].source`, byId, problems);
    checkEnd(edge.target, edge.targetPort, "input", `edges[${index}].target`, byId, problems);
    if (problems.length === before) goodEdges.push(edge);
  });

  if (!raw.nodes.some((node) => node.type === "start")) {
    problems.push({ field: "nodes", message: 'a flow needs a "start" node' });
  }

  const ids = [...byId.keys()];
  const { order, cycle } = topologicalOrder(ids, goodEdges);
  if (cycle) {
    problems.push({
      node: cycle[0] as string,
      field: "edges",
      message: `the edges form a cycle: ${cycle.join(" → ")}`,
    });
  }

  if (problems.length > 0) return { ok: false, problems };

  const flow: Flow = {
    ...(raw.id === undefined ? {} : { id: raw.id }),
    name: raw.name,
    ...(raw.description === undefined ? {} : { description: raw.description }),
    nodes: raw.nodes.map((n) => ({ id: n.id, type: n.type, config: n.config ?? {} })),
    edges: raw.edges.map((e) => ({
      source: e.source,
      sourcePort: e.sourcePort,
      target: e.target,
      targetPort: e.targetPort,
    })),
  };
  return { ok: true, flow, compiled: link(flow, order, runs) };
}

/** Compiles a flow to run; throws FlowValidationError when it does not validate. */
export function compileFlow(flow: Flow | unknown): CompiledFlow {
  const result = validateFlow(flow);
  if (!result.ok) throw new FlowValidationError(result.problems);
  return result.compiled;
}

function checkEnd(
  nodeId: string,
  port: string,
  direction: "input" | "output",
  field: string,
  byId: Map<string, { node: FlowNode }>,
  problems: Problem[],
): void {
  const entry = byId.get(nodeId);
  if (!entry) {
    problems.push({ node: nodeId, field, message: `edge names node "${nodeId}", which does not exist` });
    return;
  }
  const { node } = entry;
  if (!isNodeType(node.type)) return;
  const definition = NODE_DEFINITIONS[node.type];
  const ports = direction === "output" ? definition.outputs : definition.inputs;
  if (!ports.includes(port)) {
    problems.push({
      node: nodeId,
      field: `${field}Port`,
      message:
        ports.length === 0
          ? `node "${nodeId}" (${node.type}) has no ${direction} port`
          : `node "${nodeId}" (${node.type}) has no ${direction} port "${port}"; its ${direction}s: ${ports.join(", ")}`,
    });
  }
}

function link(flow: Flow, order: string[], runs: Map<string, CompiledNode["run"]>): CompiledFlow {
  const index = new Map(order.map((id, i) => [id, i]));
  const types = new Map(flow.nodes.map((n) => [n.id, n.type]));
  const nodes: CompiledNode[] = order.map((id) => ({
    id,
    type: types.get(id) as NodeType,
    run: runs.get(id) as CompiledNode["run"],
    isStart: types.get(id) === "start",
    targets: new Map(),
  }));
  for (const edge of flow.edges) {
    const source = nodes[index.get(edge.source) as number] as CompiledNode;
    const list = source.targets.get(edge.sourcePort) ?? [];
    list.push(index.get(edge.target) as number);
    source.targets.set(edge.sourcePort, list);
  }
  return { id: flow.id, name: flow.name, flow, nodes };
}

/** Shape errors inside `nodes[i]` name that node when it has a usable id. */
function withNodeIds(problems: { field: string; message: string }[], doc: Json): Problem[] {
  const nodes = doc !== null && typeof doc === "object" && !Array.isArray(doc) ? doc.nodes : undefined;
  return problems.map((p) => {
    const match = /^nodes\[(\d+)\]/.exec(p.field);
    const node = match && Array.isArray(nodes) ? nodes[Number(match[1])] : undefined;
    const id = node !== null && typeof node === "object" && !Array.isArray(node) ? node?.id : undefined;
    return typeof id === "string" ? { node: id, ...p } : p;
  });
}
