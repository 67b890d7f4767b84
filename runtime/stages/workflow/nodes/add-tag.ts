import { appendUnique } from "./lists.js";
import { defineNode, NodeError, passThrough } from "./types.js";

/** Adds tags to `event.tags.values` (kept unique) and updates `event.tags.count`. */
export const addTag = defineNode<{ tag: string | string[] }>({
  inputs: ["payload"],
  outputs: ["payload"],
  schema: {
    type: "object",
    properties: {
      tag: {
        oneOf: [
          { type: "string", minLength: 1 },
          { type: "array", items: { type: "string", minLength: 1 }, minItems: 1 },
        ],
      },
    },
    required: ["tag"],
    additionalProperties: false,
  },
  compile(config, tools) {
    const tag = tools.value("tag", config.tag);
    return (context) => {
      const value = context.resolve(tag);
      const tags = Array.isArray(value) ? value : [value];
      if (!tags.every((t) => typeof t === "string" && t !== "")) {
        throw new NodeError(
          `tag must be a string or a list of strings, got ${JSON.stringify(value ?? null)}`,
        );
      }
      const values = appendUnique(context.event.tags.values, tags as string[]);
      context.write({ root: "event", path: "tags" }, { values, count: values.length });
      return passThrough(context);
    };
  },
});
