import type { Json } from "../../../domain/types.js";
import { appendUnique } from "./lists.js";
import { defineNode, passThrough } from "./types.js";

/** Appends `value` to the list at `path`; a scalar there becomes a list, a missing field a new list. */
export const appendData = defineNode<{ path: string; value: Json }>({
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
      const item = context.resolve(value);
      if (item !== undefined) context.write(path, appendUnique(context.read(path), item));
      return passThrough(context);
    };
  },
});
