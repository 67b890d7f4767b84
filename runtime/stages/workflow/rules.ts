import { Ajv } from "ajv";
import type { Problem } from "./model.js";
import { schemaProblems } from "./schema-errors.js";

/** A trigger rule (`POST /api/v1/rules`): run `flow` for events of `event_type` from `source`. */
export interface Rule {
  id?: string;
  name: string;
  description?: string;
  source: { id: string; name?: string };
  event_type: { id: string; name?: string };
  flow: { id: string; name?: string };
  enabled: boolean;
}

export interface RuleReferences {
  sourceExists(id: string): boolean | Promise<boolean>;
  flowExists(id: string): boolean | Promise<boolean>;
}

export type RuleValidation = { ok: true; rule: Rule } | { ok: false; problems: Problem[] };

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false, verbose: true });
const ref = {
  type: "object",
  properties: { id: { type: "string", minLength: 1 }, name: { type: "string" } },
  required: ["id"],
  additionalProperties: false,
};
const ruleShape = ajv.compile({
  type: "object",
  properties: {
    id: { type: "string", minLength: 1, maxLength: 200 },
    name: { type: "string", minLength: 1 },
    description: { type: "string" },
    source: ref,
    event_type: ref,
    flow: ref,
    enabled: { type: "boolean", default: true },
  },
  required: ["name", "source", "event_type", "flow"],
  additionalProperties: false,
});

/** Validates a rule on save; an unknown source or flow is a problem naming it. */
export async function validateRule(input: unknown, refs: RuleReferences): Promise<RuleValidation> {
  const doc = structuredClone(input);
  if (!ruleShape(doc)) return { ok: false, problems: schemaProblems(ruleShape.errors, "") };
  const rule = doc as Rule;
  const problems: Problem[] = [];
  if (!(await refs.sourceExists(rule.source.id))) {
    problems.push({ field: "source.id", message: `unknown event source "${rule.source.id}"` });
  }
  if (!(await refs.flowExists(rule.flow.id))) {
    problems.push({ field: "flow.id", message: `unknown flow "${rule.flow.id}"` });
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, rule };
}

/** Enabled rules for (source id, event type), in the given order. */
export function matchRules<R extends Pick<Rule, "source" | "event_type" | "enabled">>(
  rules: readonly R[],
  sourceId: string,
  eventType: string,
): R[] {
  return rules.filter((r) => r.enabled && r.source.id === sourceId && r.event_type.id === eventType);
}
