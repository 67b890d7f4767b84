import { getPath, isEmpty } from "../../../domain/paths.js";
import type { Json } from "../../../domain/types.js";
import type { CompareOp, Condition, Operand, PathRef, PathRoot } from "./ast.js";
import { asDate, callFunction, type TqlValue } from "./functions.js";

export { TqlEvaluationError } from "./functions.js";

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
 * Evaluates a parsed condition at the instant `now` (epoch ms; date functions read it, never the
 * clock). Absent values compare like `null` for equality and make ordering comparisons false; a
 * number and a numeric string compare as numbers (event properties often arrive as strings); a date
 * made by a function compares with another date or an ISO date string by instant, as Tracardi
 * compares its datetime fields. Throws TqlEvaluationError when a function gets a value it cannot use
 * (Tracardi raises there too); absent or null arguments make a function's result absent instead.
 */
export function evaluate(condition: Condition, context: ConditionContext, now: number): boolean {
  const scope: Scope = { context, now };
  return test(condition, scope);
}

interface Scope {
  context: ConditionContext;
  now: number;
}

function test(condition: Condition, scope: Scope): boolean {
  const { context } = scope;
  switch (condition.kind) {
    case "and":
      return condition.operands.every((item) => test(item, scope));
    case "or":
      return condition.operands.some((item) => test(item, scope));
    case "not":
      return !test(condition.operand, scope);
    case "exists": {
      const value = readPath(context, condition.ref);
      return value !== undefined && value !== null;
    }
    case "is-null": {
      const value = operand(condition.operand, scope);
      return value === undefined || value === null;
    }
    case "empty":
      return isEmpty(plain(operand(condition.operand, scope)));
    case "compare":
      return compare(condition.op, operand(condition.left, scope), operand(condition.right, scope));
    case "between": {
      const value = operand(condition.operand, scope);
      return (
        compare(">=", value, operand(condition.low, scope)) &&
        compare("<=", value, operand(condition.high, scope))
      );
    }
    case "in": {
      const value = operand(condition.operand, scope);
      return condition.list.some((item) => same(value, operand(item, scope)));
    }
    case "text":
      return text(
        condition.op,
        plain(operand(condition.left, scope)),
        plain(operand(condition.right, scope)),
      );
  }
}

function operand(op: Operand, scope: Scope): TqlValue {
  switch (op.kind) {
    case "literal":
      return op.value;
    case "path":
      return readPath(scope.context, op.ref);
    case "call":
      return callFunction(
        op.name,
        op.args.map((arg) => operand(arg, scope)),
        scope.now,
      );
  }
}

/** A date as its ISO text, for predicates on text and emptiness. */
function plain(value: TqlValue): Json | undefined {
  return value instanceof Date ? value.toISOString() : value;
}

/** Equality, by instant when either side is a date. */
function same(a: TqlValue, b: TqlValue): boolean {
  if (a instanceof Date || b instanceof Date) {
    const x = asDate(a);
    const y = asDate(b);
    return x !== undefined && y !== undefined && x.getTime() === y.getTime();
  }
  return equals(a, b);
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
function order(a: TqlValue, b: TqlValue): number | undefined {
  if (a instanceof Date || b instanceof Date) {
    const x = asDate(a)?.getTime();
    const y = asDate(b)?.getTime();
    if (x === undefined || y === undefined) return undefined;
    return Math.sign(x - y);
  }
  if (typeof a === "number" || typeof b === "number") {
    const x = numeric(a);
    const y = numeric(b);
    if (x === undefined || y === undefined) return undefined;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  return undefined;
}

function compare(op: CompareOp, a: TqlValue, b: TqlValue): boolean {
  if (op === "==") return same(a, b);
  if (op === "!=") return !same(a, b);
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
