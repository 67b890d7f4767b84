import { defineNode, type NodeDefinition, passThrough } from "./types.js";

function bump(field: "views" | "visits"): NodeDefinition<Record<string, never>> {
  const ref = { root: "profile", path: `stats.${field}` } as const;
  return defineNode<Record<string, never>>({
    inputs: ["payload"],
    outputs: ["payload"],
    schema: { type: "object", additionalProperties: false },
    compile() {
      return (context) => {
        const profile = context.requireProfile();
        context.write(ref, profile.stats[field] + 1);
        return passThrough(context);
      };
    },
  });
}

export const increaseViews = bump("views");
export const increaseVisits = bump("visits");
