import type { NodeType } from "../model.js";
import { addTag } from "./add-tag.js";
import { appendData } from "./append-data.js";
import { copyData } from "./copy-data.js";
import { decrement, increment } from "./counter.js";
import { createResponse } from "./create-response.js";
import { deleteFields } from "./delete-fields.js";
import { end } from "./end.js";
import { ifNode } from "./if.js";
import { addInterest, increaseInterest } from "./interests.js";
import { readMemory, writeMemory } from "./memory.js";
import { mergeProfiles } from "./merge-profiles.js";
import { payloadTemplate } from "./payload-template.js";
import { increaseViews, increaseVisits } from "./profile-stats.js";
import { remoteCall } from "./remote-call.js";
import { removeData } from "./remove-data.js";
import { addSegment, deleteSegment } from "./segments.js";
import { start } from "./start.js";
import type { NodeDefinition } from "./types.js";

// Each definition is typed by its own config; the registry erases that to the ajv-validated object.
export const NODE_DEFINITIONS: Record<NodeType, NodeDefinition<never>> = {
  start,
  end,
  if: ifNode,
  "copy-data": copyData,
  "append-data": appendData,
  "remove-data": removeData,
  "delete-fields": deleteFields,
  increment,
  decrement,
  "increase-views": increaseViews,
  "increase-visits": increaseVisits,
  "add-segment": addSegment,
  "delete-segment": deleteSegment,
  "add-interest": addInterest,
  "increase-interest": increaseInterest,
  "add-tag": addTag,
  "merge-profiles": mergeProfiles,
  "remote-call": remoteCall,
  "create-response": createResponse,
  "payload-template": payloadTemplate,
  "write-memory": writeMemory,
  "read-memory": readMemory,
};

export function isNodeType(type: unknown): type is NodeType {
  return typeof type === "string" && Object.hasOwn(NODE_DEFINITIONS, type);
}
