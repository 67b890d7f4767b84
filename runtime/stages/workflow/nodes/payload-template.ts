import { defineNode } from "./types.js";

/** Renders `template` (`Hello {{profile@data.pii.firstname}}`) into a string payload. */
export const payloadTemplate = defineNode<{ template: string }>({
  inputs: ["payload"],
  outputs: ["payload"],
  schema: {
    type: "object",
    properties: { template: { type: "string" } },
    required: ["template"],
    additionalProperties: false,
  },
  compile(config, tools) {
    const template = tools.template("template", config.template);
    return (context) => [{ port: "payload", value: context.render(template) }];
  },
});
