import type { Json } from "../../../domain/types.js";
import { removeAll } from "./lists.js";
import { defineNode, NodeError, passThrough } from "./types.js";

/** Removes every occurrence of `value` (or of each item of an array value) from the list at `path`. */
export const removeData = defineNode<{ path: string; value: Json }>({
  inputs: ["payload"],
  outputs: ["payload"],
  schema: {
    type: "object",
    properties: { path: { type: "string", minLength: 1 }, value: {} },
    required: ["path", "value"],
    additionalProperties: false,
  },
  compile(config, tools) {
    const path = tools.path("path", config.path, { writable: true });
    const value = tools.value("value", config.value);
    return (context) => {
      const current = context.read(path);
      const item = context.resolve(value);
      if (current === undefined || current === null || item === undefined) return passThrough(context);
      if (!Array.isArray(current)) throw new NodeError(`${config.path} is not a list`);
      context.write(path, removeAll(current, item));
      return passThrough(context);
    };
  },
});
