import { defineNode, type NodeContext, type NodeDefinition, passThrough } from "./types.js";

/**
 * Bumps `profile.stats.<field>` by 1 when `counts` says so. Profile-less events change nothing and
 * pass the payload on (Tracardi logs a console warning and returns the payload).
 */
function bump(
  field: "views" | "visits",
  counts: (context: NodeContext) => boolean,
): NodeDefinition<Record<string, never>> {
  const ref = { root: "profile", path: `stats.${field}` } as const;
  return defineNode<Record<string, never>>({
    inputs: ["payload"],
    outputs: ["payload"],
    schema: { type: "object", additionalProperties: false },
    compile() {
      return (context) => {
        const profile = context.profile;
        if (profile !== null && counts(context)) context.write(ref, profile.stats[field] + 1);
        return passThrough(context);
      };
    },
  });
}

/** Every run counts (tracardi/process_engine/action/v1/increase_views_action.py). */
export const increaseViews = bump("views", () => true);

/**
 * Counts only while the session is new, i.e. in the payload that created it:
 * `if self.session is not None and self.session.is_new()`
 * (tracardi/process_engine/action/v1/increase_visits_action.py). `is_new()` is set per request by
 * `session.set_new(is_new_session)` (tracardi/domain/payload/tracker_payload.py), so every run
 * inside that first payload counts and no later payload of the session does.
 */
export const increaseVisits = bump("visits", (context) => context.session !== null && context.sessionIsNew);
