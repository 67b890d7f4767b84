import type { JsonObject } from "../../../domain/types.js";
import type { ValueExpr } from "../values.js";
import { keyProblem, requireKey } from "./names.js";
import { type CompileTools, defineNode, NodeError, passThrough } from "./types.js";

/** A literal interest name is checked when the flow is saved; a path to one when the node runs. */
function interestName(text: string, tools: CompileTools): ValueExpr {
  const expr = tools.value("interest", text);
  const problem = expr.kind === "literal" ? keyProblem(text, "interest") : undefined;
  if (problem) tools.problem("interest", problem);
  return expr;
}

const interestSchema = (amount: "value" | "by"): JsonObject => {
  const properties: JsonObject = { interest: { type: "string", minLength: 1 } };
  properties[amount] = { type: "number", default: 1 };
  return { type: "object", properties, required: ["interest"], additionalProperties: false };
};

/** Sets `profile.interests[interest]` to `value`; `interest` may be a path to the name. */
export const addInterest = defineNode<{ interest: string; value: number }>({
  inputs: ["payload"],
  outputs: ["payload"],
  schema: interestSchema("value"),
  compile(config, tools) {
    const interest = interestName(config.interest, tools);
    return (context) => {
      context.requireProfile();
      const name = requireKey(context.resolve(interest), "interest");
      context.write({ root: "profile", path: `interests.${name}` }, config.value);
      return passThrough(context);
    };
  },
});

/** Adds `by` to `profile.interests[interest]` (absent counts as 0). */
export const increaseInterest = defineNode<{ interest: string; by: number }>({
  inputs: ["payload"],
  outputs: ["payload"],
  schema: interestSchema("by"),
  compile(config, tools) {
    const interest = interestName(config.interest, tools);
    return (context) => {
      context.requireProfile();
      const name = requireKey(context.resolve(interest), "interest");
      const current: unknown = context.read({ root: "profile", path: `interests.${name}` }) ?? 0;
      if (typeof current !== "number") throw new NodeError(`interest "${name}" is not a number`);
      context.write({ root: "profile", path: `interests.${name}` }, current + config.by);
      return passThrough(context);
    };
  },
});
