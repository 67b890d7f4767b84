import { isPlainObject } from "../../../domain/paths.js";
import type { Json } from "../../../domain/types.js";
import type { ValueExpr } from "../values.js";
import { defineNode, NodeError } from "./types.js";

/**
 * Adds to the `/track` response: under `key`, or, without a key, merges the keys of an object value.
 * The value (a literal with path strings resolved, or `from` a path) is also the output payload.
 */
export const createResponse = defineNode<{ key?: string; value?: Json; from?: string }>({
  inputs: ["payload"],
  outputs: ["payload"],
  schema: {
    type: "object",
    properties: { key: { type: "string", minLength: 1 }, value: {}, from: { type: "string", minLength: 1 } },
    oneOf: [{ required: ["value"] }, { required: ["from"] }],
    additionalProperties: false,
  },
  compile(config, tools) {
    const source: ValueExpr =
      config.from !== undefined
        ? { kind: "ref", ref: tools.path("from", config.from) }
        : tools.value("value", config.value ?? null);
    const key = config.key;
    return (context) => {
      const value = context.resolve(source) ?? null;
      if (key !== undefined) context.setResponse(key, value);
      else if (isPlainObject(value)) {
        for (const [k, v] of Object.entries(value)) context.setResponse(k, v);
      } else throw new NodeError("without a key, the response value must be an object");
      return [{ port: "payload", value }];
    };
  },
});
