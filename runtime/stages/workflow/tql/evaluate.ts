import { getPath, isEmpty } from "../../../domain/paths.js";
import type { Json } from "../../../domain/types.js";
import type { CompareOp, Condition, Operand, PathRef, PathRoot } from "./ast.js";

/** The documents a condition reads; a missing document reads as absent values. */
export type ConditionContext = Partial<Record<PathRoot, unknown>>;

/** Reads a path from the context; `root@` alone is the whole document. */
export function readPath(context: ConditionContext, ref: PathRef): Json | undefined {
  const doc = context[ref.root];
  if (doc === undefined || doc === null) return undefined;
  if (ref.path === "") return doc as Json;
  return getPath(doc, ref.path);
}

/**
 * Evaluates a parsed condition. Absent values compare like `null` for equality and make ordering
 * comparisons false; a number and a numeric string compare as numbers (event properties often arrive
 * as strings).
 */
export function evaluate(condition: Condition, context: ConditionContext): boolean {
  switch (condition.kind) {
    case "and":
      return evaluate(condition.left, context) && evaluate(condition.right, context);
    case "or":
      return evaluate(condition.left, context) || evaluate(condition.right, context);
    case "not":
      return !evaluate(condition.operand, context);
    case "exists": {
      const value = readPath(context, condition.ref);
      return value !== undefined && value !== null;
    }
    case "is-null": {
      const value = operand(condition.operand, context);
      return value === undefined || value === null;
    }
    case "empty":
      return isEmpty(operand(condition.operand, context));
    case "compare":
      return compare(condition.op, operand(condition.left, context), operand(condition.right, context));
    case "between": {
      const value = operand(condition.operand, context);
      return (
        compare(">=", value, operand(condition.low, context)) &&
        compare("<=", value, operand(condition.high, context))
      );
    }
    case "in": {
      const value = operand(condition.operand, context);
      return condition.list.some((item) => equals(value, operand(item, context)));
    }
    case "text":
      return text(condition.op, operand(condition.left, context), operand(condition.right, context));
  }
}

function operand(op: Operand, context: ConditionContext): Json | undefined {
  return op.kind === "literal" ? op.value : readPath(context, op.ref);
}

function numeric(value: Json | undefined): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "string" && value.trim() !== "") {
    const n = Number(value);
    if (Number.isFinite(n)) return n;
  }
  return undefined;
}

export function equals(a: Json | undefined, b: Json | undefined): boolean {
  const left = a ?? null;
  const right = b ?? null;
  if (typeof left === "number" || typeof right === "number") {
    const x = numeric(left);
    const y = numeric(right);
    return x !== undefined && y !== undefined && x === y;
  }
  if (left === null || right === null || typeof left !== "object" || typeof right !== "object") {
    return left === right;
  }
  return JSON.stringify(left) === JSON.stringify(right);
}

/** -1/0/1, or undefined when the two values have no order. */
function order(a: Json | undefined, b: Json | undefined): number | undefined {
  if (typeof a === "number" || typeof b === "number") {
    const x = numeric(a);
    const y = numeric(b);
    if (x === undefined || y === undefined) return undefined;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  return undefined;
}

function compare(op: CompareOp, a: Json | undefined, b: Json | undefined): boolean {
  if (op === "==") return equals(a, b);
  if (op === "!=") return !equals(a, b);
  const o = order(a, b);
  if (o === undefined) return false;
  switch (op) {
    case ">":
      return o > 0;
    case ">=":
      return o >= 0;
    case "<":
      return o < 0;
    case "<=":
      return o <= 0;
  }
}

function text(
  op: "contains" | "starts-with" | "ends-with",
  a: Json | undefined,
  b: Json | undefined,
): boolean {
  if (op === "contains") {
    if (Array.isArray(a)) return a.some((item) => equals(item, b));
    if (typeof a === "string" && typeof b === "string") return a.includes(b);
    if (a !== null && typeof a === "object" && typeof b === "string") return b in a;
    return false;
  }
  if (typeof a !== "string" || typeof b !== "string") return false;
  return op === "starts-with" ? a.startsWith(b) : a.endsWith(b);
}
