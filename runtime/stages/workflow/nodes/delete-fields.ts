import { defineNode, passThrough } from "./types.js";

export const deleteFields = defineNode<{ paths: string[] }>({
  inputs: ["payload"],
  outputs: ["payload"],
  schema: {
    type: "object",
    properties: { paths: { type: "array", items: { type: "string", minLength: 1 }, minItems: 1 } },
    required: ["paths"],
    additionalProperties: false,
  },
  compile(config, tools) {
    const paths = config.paths.map((text, i) => tools.path(`paths[${i}]`, text, { writable: true }));
    return (context) => {
      for (const path of paths) context.remove(path);
      return passThrough(context);
    };
  },
});
