import { defineNode } from "./types.js";

export const end = defineNode<Record<string, never>>({
  inputs: ["payload"],
  outputs: [],
  schema: { type: "object", additionalProperties: false },
  compile() {
    return () => [];
  },
});
