import type { JsonObject } from "../../domain/types.js";
import type { SourcePosition } from "./tql/parse.js";

/** Built-in node types (the contract of `POST /api/v1/flows`). */
export const NODE_TYPES = [
  "start",
  "end",
  "if",
  "copy-data",
  "append-data",
  "remove-data",
  "delete-fields",
  "increment",
  "decrement",
  "increase-views",
  "increase-visits",
  "add-segment",
  "delete-segment",
  "add-interest",
  "increase-interest",
  "add-tag",
  "merge-profiles",
  "remote-call",
  "create-response",
  "payload-template",
  "write-memory",
  "read-memory",
] as const;
export type NodeType = (typeof NODE_TYPES)[number];

export interface FlowNode {
  id: string;
  type: NodeType;
  config?: JsonObject;
}

export interface FlowEdge {
  source: string;
  sourcePort: string;
  target: string;
  targetPort: string;
}

export interface Flow {
  id?: string;
  name: string;
  description?: string;
  nodes: FlowNode[];
  edges: FlowEdge[];
}

/** One reason a flow (or rule) cannot be saved; 422-ready. */
export interface Problem {
  /** The node the problem is about, when there is one. */
  node?: string;
  /** JSON-pointer-like location in the submitted document, e.g. `nodes[2].config.condition`. */
  field: string;
  message: string;
  /** Where in a TQL condition, path or template the syntax error is. */
  position?: SourcePosition;
}
