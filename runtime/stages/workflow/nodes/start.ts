import type { Json } from "../../../domain/types.js";
import { defineNode } from "./types.js";

/** Entry node: the event is the payload; `event_types` (when not empty) restricts which events start. */
export const start = defineNode<{ event_types: string[] }>({
  inputs: [],
  outputs: ["payload"],
  schema: {
    type: "object",
    properties: { event_types: { type: "array", items: { type: "string", minLength: 1 }, default: [] } },
    additionalProperties: false,
  },
  compile(config) {
    const types = new Set(config.event_types);
    return (context) =>
      types.size > 0 && !types.has(context.event.type)
        ? []
        : [{ port: "payload", value: context.event as unknown as Json }];
  },
});
