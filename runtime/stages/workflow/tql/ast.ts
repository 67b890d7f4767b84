import type { Json } from "../../../domain/types.js";

/** Documents a TQL path can address. */
export const PATH_ROOTS = ["profile", "session", "event", "payload", "memory"] as const;
export type PathRoot = (typeof PATH_ROOTS)[number];

/** `event@properties.a` → `{root: "event", path: "properties.a"}`; an empty path is the whole document. */
export interface PathRef {
  root: PathRoot;
  path: string;
}

/** What a function argument can be. */
export type Argument = { kind: "path"; ref: PathRef } | { kind: "literal"; value: Json };

/** `now.offset("-1d")` → `{kind: "call", name: "now.offset", args: [literal "-1d"]}`. */
export type Call = { kind: "call"; name: string; args: Argument[] };

export type Operand = Argument | Call;

export type CompareOp = "==" | "!=" | ">" | ">=" | "<" | "<=";
export type TextOp = "contains" | "starts-with" | "ends-with";

/** AND and OR hold all operands of a chain (two or more), so a long chain is flat, not deep. */
export type Condition =
  | { kind: "and"; operands: Condition[] }
  | { kind: "or"; operands: Condition[] }
  | { kind: "not"; operand: Condition }
  | { kind: "compare"; op: CompareOp; left: Operand; right: Operand }
  | { kind: "exists"; ref: PathRef }
  | { kind: "is-null"; operand: Operand }
  | { kind: "empty"; operand: Operand }
  | { kind: "between"; operand: Operand; low: Operand; high: Operand }
  | { kind: "in"; operand: Operand; list: Operand[] }
  | { kind: "text"; op: TextOp; left: Operand; right: Operand };

export function formatPath(ref: PathRef): string {
  return `${ref.root}@${ref.path}`;
}
