import { type Condition, evaluate, parseCondition } from "../workflow/index.js";
import type { ConditionCheck } from "./plan.js";

/**
 * Destination conditions in TQL, parsed once per text (they were checked when saved). A condition
 * that cannot be evaluated does not hold; it must never stop storage. Date functions read `clock`.
 */
export function tqlConditionCheck(clock: () => number = Date.now): ConditionCheck {
  const parsed = new Map<string, Condition>();
  return (text, scope) => {
    try {
      let condition = parsed.get(text);
      if (!condition) {
        condition = parseCondition(text);
        parsed.set(text, condition);
      }
      return evaluate(condition, scope, clock());
    } catch {
      return false;
    }
  };
}
