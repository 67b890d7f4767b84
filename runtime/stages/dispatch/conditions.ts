import { type Condition, evaluate, parseCondition } from "../workflow/index.js";
import type { ConditionCheck } from "./plan.js";

/**
 * Destination conditions in TQL, parsed once per text (they were checked when saved). A condition
 * that cannot be evaluated does not hold; it must never stop storage.
 */
export function tqlConditionCheck(): ConditionCheck {
  const parsed = new Map<string, Condition>();
  return (text, scope) => {
    try {
      let condition = parsed.get(text);
      if (!condition) {
        condition = parseCondition(text);
        parsed.set(text, condition);
      }
      return evaluate(condition, scope);
    } catch {
      return false;
    }
  };
}
