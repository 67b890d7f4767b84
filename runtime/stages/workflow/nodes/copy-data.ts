import type { Json } from "../../../domain/types.js";
import { defineNode, passThrough } from "./types.js";

/** Copies `from` (a path) or sets `value` (a literal, path strings resolved) to `to`. */
export const copyData = defineNode<{ from?: string; value?: Json; to: string }>({
  inputs: ["payload"],
  outputs: ["payload"],
  schema: {
    type: "object",
    properties: {
      from: { type: "string", minLength: 1 },
      value: {},
      to: { type: "string", minLength: 1 },
    },
    required: ["to"],
    oneOf: [{ required: ["from"] }, { required: ["value"] }],
    additionalProperties: false,
  },
  compile(config, tools) {
    const to = tools.path("to", config.to, { writable: true });
    const source =
      config.from !== undefined
        ? ({ kind: "ref", ref: tools.path("from", config.from) } as const)
        : tools.value("value", config.value ?? null);
    return (context) => {
      const value = context.resolve(source);
      if (value !== undefined) context.write(to, value);
      return passThrough(context);
    };
  },
});
