import { defineNode } from "./types.js";

export const ifNode = defineNode<{ condition: string }>({
  inputs: ["payload"],
  outputs: ["true", "false"],
  schema: {
    type: "object",
    properties: { condition: { type: "string", minLength: 1 } },
    required: ["condition"],
    additionalProperties: false,
  },
  compile(config, tools) {
    const condition = tools.condition("condition", config.condition);
    return (context) => [{ port: context.test(condition) ? "true" : "false", value: context.payload }];
  },
});
