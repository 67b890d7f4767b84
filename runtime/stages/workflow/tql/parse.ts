import * as ohm from "ohm-js";
import { unsafePathProblem } from "../../../domain/paths.js";
import type { Json } from "../../../domain/types.js";
import {
  type Argument,
  type CompareOp,
  type Condition,
  type Operand,
  PATH_ROOTS,
  type PathRef,
  type PathRoot,
} from "./ast.js";
import { arities, FUNCTION_SIGNATURES, hasFunction, literalProblem } from "./functions.js";
import { TQL_GRAMMAR } from "./grammar.js";
import { DEFAULT_TQL_LIMITS, limitProblem, type TqlLimits } from "./limits.js";

export interface SourcePosition {
  /** 0-based character offset. */
  offset: number;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
}

/** A condition or path that does not parse; `position` points at the first offending character. */
export class TqlSyntaxError extends Error {
  override readonly name = "TqlSyntaxError";
  constructor(
    message: string,
    readonly position: SourcePosition,
    readonly text: string,
  ) {
    super(message);
  }
}
export { TqlSyntaxError as ConditionSyntaxError };

/** A path that parses but has a segment reaching a prototype (`profile@__proto__.x`). */
export class UnsafeTqlPathError extends TqlSyntaxError {}

const grammar = ohm.grammar(TQL_GRAMMAR);
const ROOTS: ReadonlySet<string> = new Set(PATH_ROOTS);

const COMPARE: Record<string, CompareOp> = {
  "==": "==",
  "!=": "!=",
  ">": ">",
  ">=": ">=",
  "=>": ">=",
  "<": "<",
  "<=": "<=",
  "=<": "<=",
};

export function positionAt(text: string, offset: number): SourcePosition {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === "\n") {
      line++;
      lineStart = i + 1;
    }
  }
  return { offset, line, column: offset - lineStart + 1 };
}

function fail(text: string, offset: number, message: string, kind = TqlSyntaxError): never {
  const position = positionAt(text, offset);
  throw new kind(`${message} at line ${position.line}, column ${position.column}`, position, text);
}

function unescape(body: string): string {
  let out = "";
  for (let i = 0; i < body.length; i++) {
    const ch = body[i] as string;
    if (ch !== "\\") {
      out += ch;
      continue;
    }
    const next = body[++i] ?? "";
    if (next === "n") out += "\n";
    else if (next === "t") out += "\t";
    else if (next === "r") out += "\r";
    else if (next === "u" && /^[0-9a-fA-F]{4}$/.test(body.slice(i + 1, i + 5))) {
      out += String.fromCharCode(Number.parseInt(body.slice(i + 1, i + 5), 16));
      i += 4;
    } else out += next;
  }
  return out;
}

// Semantic actions turn the concrete syntax tree into the Condition AST. Wrapper nodes of one child
// (Condition, Primary, ...) fall through Ohm's default `_nonterminal` action.
const semantics = grammar
  .createSemantics()
  .addOperation<Condition | Operand | Operand[] | Json | string>("ast", {
    OrExpr(list) {
      return junction("or", list);
    },
    AndExpr(list) {
      return junction("and", list);
    },
    NotExpr(nots, primary) {
      const operand = primary.ast() as Condition;
      // NOT NOT x is x: a run of NOTs never deepens the tree.
      return nots.numChildren % 2 === 1 ? { kind: "not", operand } : operand;
    },
    Primary_paren(_open, inner, _close) {
      return inner.ast();
    },
    Predicate_existsCall(_exists, _open, path, _close) {
      return { kind: "exists", ref: pathOf(path.ast()) };
    },
    Predicate_existsPrefix(_exists, path) {
      return { kind: "exists", ref: pathOf(path.ast()) };
    },
    Predicate_notExists(path, _not, _exists) {
      return { kind: "not", operand: { kind: "exists", ref: pathOf(path.ast()) } };
    },
    Predicate_exists(path, _exists) {
      return { kind: "exists", ref: pathOf(path.ast()) };
    },
    Predicate_isNotNull(operand, _is, _not, _null) {
      return { kind: "not", operand: { kind: "is-null", operand: operand.ast() as Operand } };
    },
    Predicate_isNull(operand, _is, _null) {
      return { kind: "is-null", operand: operand.ast() as Operand };
    },
    Predicate_notEmpty(operand, _not, _empty) {
      return { kind: "not", operand: { kind: "empty", operand: operand.ast() as Operand } };
    },
    Predicate_empty(operand, _empty) {
      return { kind: "empty", operand: operand.ast() as Operand };
    },
    Predicate_between(operand, _between, low, _and, high) {
      return {
        kind: "between",
        operand: operand.ast() as Operand,
        low: low.ast() as Operand,
        high: high.ast() as Operand,
      };
    },
    Predicate_notIn(operand, _not, _in, list) {
      return {
        kind: "not",
        operand: { kind: "in", operand: operand.ast() as Operand, list: list.ast() as Operand[] },
      };
    },
    Predicate_in(operand, _in, list) {
      return { kind: "in", operand: operand.ast() as Operand, list: list.ast() as Operand[] };
    },
    Predicate_contains(left, _op, right) {
      return { kind: "text", op: "contains", left: left.ast() as Operand, right: right.ast() as Operand };
    },
    Predicate_startsWith(left, _starts, _with, right) {
      return { kind: "text", op: "starts-with", left: left.ast() as Operand, right: right.ast() as Operand };
    },
    Predicate_endsWith(left, _ends, _with, right) {
      return { kind: "text", op: "ends-with", left: left.ast() as Operand, right: right.ast() as Operand };
    },
    Predicate_compare(left, op, right) {
      return {
        kind: "compare",
        op: COMPARE[op.sourceString] as CompareOp,
        left: left.ast() as Operand,
        right: right.ast() as Operand,
      };
    },
    List_round(_open, items, _close) {
      return items.asIteration().children.map((item) => item.ast() as Operand);
    },
    List_square(_open, items, _close) {
      return items.asIteration().children.map((item) => item.ast() as Operand);
    },
    Call(name, _open, list, _close) {
      const text = this.source.sourceString;
      const fn = name.sourceString;
      const items = list.asIteration().children;
      if (!hasFunction(fn, items.length)) fail(text, name.source.startIdx, unknownCall(fn, items.length));
      const args = items.map((item) => item.ast() as Argument);
      args.forEach((arg, index) => {
        const problem =
          arg.kind === "literal" ? literalProblem(fn, items.length, index, arg.value) : undefined;
        if (problem) fail(text, (items[index] as ohm.Node).source.startIdx, problem);
      });
      return { kind: "call", name: fn, args };
    },
    path(ident, _at, segments) {
      // Roots were checked by checkRoots before this operation runs.
      return { kind: "path", ref: { root: ident.sourceString as PathRoot, path: segments.sourceString } };
    },
    literal(value) {
      return { kind: "literal", value: value.ast() as Json };
    },
    duration(_digits, _unit) {
      return this.sourceString;
    },
    string_double(_open, chars, _close) {
      return unescape(chars.sourceString);
    },
    string_single(_open, chars, _close) {
      return unescape(chars.sourceString);
    },
    number(_sign, _int, _dot, _frac, _exp) {
      return Number(this.sourceString);
    },
    boolean(_value) {
      return this.sourceString.toLowerCase() === "true";
    },
    nullLit(_value) {
      return null;
    },
  });

/** One AND/OR node for a whole chain; a parenthesised chain of the same kind is merged into it. */
function junction(kind: "and" | "or", list: ohm.Node): Condition {
  const operands: Condition[] = [];
  for (const item of list.asIteration().children) {
    const operand = item.ast() as Condition;
    if (operand.kind === kind) operands.push(...operand.operands);
    else operands.push(operand);
  }
  return operands.length === 1 ? (operands[0] as Condition) : { kind, operands };
}

function unknownCall(name: string, count: number): string {
  const known = arities(name);
  if (known.length > 0) return `${name}() takes ${known.join(" or ")} argument(s), not ${count}`;
  return `unknown function ${name}() (expected one of ${FUNCTION_SIGNATURES.join(", ")})`;
}

function pathOf(operand: unknown): PathRef {
  return (operand as { kind: "path"; ref: PathRef }).ref;
}

/** Unknown roots and unsafe segments are reported before evaluation so the message can name them. */
function checkPaths(text: string, match: ohm.MatchResult): void {
  const roots = grammar.createSemantics().addOperation<void>("roots", {
    path(ident, _at, segments) {
      if (!ROOTS.has(ident.sourceString)) {
        fail(
          text,
          ident.source.startIdx,
          `unknown path root "${ident.sourceString}" (expected one of ${PATH_ROOTS.join(", ")})`,
        );
      }
      const unsafe = unsafePathProblem(segments.sourceString);
      if (unsafe) fail(text, segments.source.startIdx, unsafe, UnsafeTqlPathError);
    },
    _nonterminal(...children) {
      for (const child of children) child.roots();
    },
    _iter(...children) {
      for (const child of children) child.roots();
    },
    _terminal() {},
  });
  roots(match).roots();
}

function matchOrThrow(text: string, rule: "Condition" | "PathOnly", limits: TqlLimits): ohm.MatchResult {
  const beyond = limitProblem(text, limits);
  if (beyond) fail(text, beyond.offset, beyond.message);
  const match = grammar.match(text, rule);
  if (match.failed()) {
    const offset = match.getRightmostFailurePosition();
    // Ohm spells keywords as `"and" (case-insensitive)`; TQL users write them upper-case.
    const expected = match
      .getExpectedText()
      .replace(/"(\w+)" \(case-insensitive\)/g, (_, word: string) => word.toUpperCase());
    const found = offset >= text.length ? "end of input" : JSON.stringify(text.slice(offset, offset + 12));
    fail(text, offset, `expected ${expected}, found ${found}`);
  }
  checkPaths(text, match);
  return match;
}

/**
 * Parses a TQL condition such as `profile@stats.views > 0 AND event@type == "purchase"`. Text longer
 * or bracketed deeper than `limits` (limits.ts) is a syntax error; tests may pass other limits.
 */
export function parseCondition(text: string, limits: TqlLimits = DEFAULT_TQL_LIMITS): Condition {
  if (text.trim() === "") fail(text, 0, "condition is empty");
  return semantics(matchOrThrow(text, "Condition", limits)).ast() as Condition;
}

/** Parses `root@dotted.path` (surrounding spaces allowed). */
export function parsePath(text: string): PathRef {
  const operand = semantics(matchOrThrow(text, "PathOnly", DEFAULT_TQL_LIMITS)).ast() as Operand;
  return pathOf(operand);
}

/**
 * A string that reads as a path is a reference in configs; anything else is a literal. Throws
 * UnsafeTqlPathError for a path with a forbidden segment.
 */
export function tryParsePath(text: string): PathRef | undefined {
  if (!text.includes("@")) return undefined;
  try {
    return parsePath(text);
  } catch (error) {
    // A path with an unsafe segment is not a literal: configs holding one are refused.
    if (error instanceof UnsafeTqlPathError) throw error;
    return undefined;
  }
}
