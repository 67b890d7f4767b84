import { defineNode, type NodeDefinition, NodeError, passThrough } from "./types.js";

/** `increment` and `decrement`: add `by` (default 1) to the number at `path`; absent counts as 0. */
function counter(sign: 1 | -1): NodeDefinition<{ path: string; by: number }> {
  return defineNode<{ path: string; by: number }>({
    inputs: ["payload"],
    outputs: ["payload"],
    schema: {
      type: "object",
      properties: { path: { type: "string", minLength: 1 }, by: { type: "number", default: 1 } },
      required: ["path"],
      additionalProperties: false,
    },
    compile(config, tools) {
      const path = tools.path("path", config.path, { writable: true });
      const by = sign * config.by;
      return (context) => {
        const current = context.read(path);
        if (current !== undefined && current !== null && typeof current !== "number") {
          throw new NodeError(`${config.path} is not a number`);
        }
        context.write(path, (current ?? 0) + by);
        return passThrough(context);
      };
    },
  });
}

export const increment = counter(1);
export const decrement = counter(-1);
