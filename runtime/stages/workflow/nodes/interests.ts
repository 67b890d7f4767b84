import type { JsonObject } from "../../../domain/types.js";
import { requireName } from "./names.js";
import { defineNode, NodeError, passThrough } from "./types.js";

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
    const interest = tools.value("interest", config.interest);
    return (context) => {
      context.requireProfile();
      const name = requireName(context.resolve(interest), "interest");
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
    const interest = tools.value("interest", config.interest);
    return (context) => {
      const profile = context.requireProfile();
      const name = requireName(context.resolve(interest), "interest");
      const current: unknown = profile.interests[name] ?? 0;
      if (typeof current !== "number") throw new NodeError(`interest "${name}" is not a number`);
      context.write({ root: "profile", path: `interests.${name}` }, current + config.by);
      return passThrough(context);
    };
  },
});
