import { setOwn } from "../../domain/paths.js";
import type { Json, JsonObject } from "../../domain/types.js";
import type { PathRef } from "./tql/ast.js";
import { tryParsePath } from "./tql/parse.js";

/**
 * A config value in which any string that reads as a TQL path (`profile@traits.a`) is a reference,
 * resolved at run time, as Tracardi's dot accessor does. Sub-trees without references stay literal.
 */
export type ValueExpr =
  | { kind: "literal"; value: Json }
  | { kind: "ref"; ref: PathRef }
  | { kind: "array"; items: ValueExpr[] }
  | { kind: "object"; entries: Array<[string, ValueExpr]> };

/** Throws UnsafeTqlPathError for a reference with a forbidden segment (`profile@__proto__.x`). */
export function compileValue(value: Json): ValueExpr {
  if (typeof value === "string") {
    const ref = tryParsePath(value);
    return ref ? { kind: "ref", ref } : { kind: "literal", value };
  }
  if (Array.isArray(value)) {
    const items = value.map(compileValue);
    return items.every((item) => item.kind === "literal")
      ? { kind: "literal", value }
      : { kind: "array", items };
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).map(([key, item]): [string, ValueExpr] => [
      key,
      compileValue(item),
    ]);
    return entries.every(([, item]) => item.kind === "literal")
      ? { kind: "literal", value }
      : { kind: "object", entries };
  }
  return { kind: "literal", value };
}

/** Resolves references; an absent reference inside an array or object becomes `null`. */
export function resolveValue(expr: ValueExpr, read: (ref: PathRef) => Json | undefined): Json | undefined {
  switch (expr.kind) {
    case "literal":
      return copy(expr.value);
    case "ref": {
      const value = read(expr.ref);
      return value === undefined ? undefined : copy(value);
    }
    case "array":
      return expr.items.map((item) => resolveValue(item, read) ?? null);
    case "object": {
      const out: JsonObject = {};
      for (const [key, item] of expr.entries) setOwn(out, key, resolveValue(item, read) ?? null);
      return out;
    }
  }
}

function copy(value: Json): Json {
  return value !== null && typeof value === "object" ? structuredClone(value) : value;
}
