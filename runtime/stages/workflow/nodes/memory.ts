import type { Json } from "../../../domain/types.js";
import type { ValueExpr } from "../values.js";
import { keyProblem } from "./names.js";
import { type CompileTools, defineNode, passThrough } from "./types.js";

function memoryRef(key: string, tools: CompileTools) {
  const problem = keyProblem(key, "memory key");
  if (problem) tools.problem("key", problem);
  return { root: "memory", path: key } as const;
}

/** Stores a value in the flow's memory (per profile); the payload passes through. */
export const writeMemory = defineNode<{ key: string; value?: Json; from?: string }>({
  inputs: ["payload"],
  outputs: ["payload"],
  schema: {
    type: "object",
    properties: { key: { type: "string", minLength: 1 }, value: {}, from: { type: "string", minLength: 1 } },
    required: ["key"],
    oneOf: [{ required: ["value"] }, { required: ["from"] }],
    additionalProperties: false,
  },
  compile(config, tools) {
    const ref = memoryRef(config.key, tools);
    const source: ValueExpr =
      config.from !== undefined
        ? { kind: "ref", ref: tools.path("from", config.from) }
        : tools.value("value", config.value ?? null);
    return (context) => {
      context.write(ref, context.resolve(source) ?? null);
      return passThrough(context);
    };
  },
});

/** The payload becomes the stored value (`null` when the key was never written). */
export const readMemory = defineNode<{ key: string }>({
  inputs: ["payload"],
  outputs: ["payload"],
  schema: {
    type: "object",
    properties: { key: { type: "string", minLength: 1 } },
    required: ["key"],
    additionalProperties: false,
  },
  compile(config, tools) {
    const ref = memoryRef(config.key, tools);
    return (context) => [{ port: "payload", value: context.read(ref) ?? null }];
  },
});
