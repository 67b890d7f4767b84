import { describe, expect, it } from "vitest";
import { evaluate } from "./evaluate.js";
import { TQL_MAX_DEPTH, TQL_MAX_LENGTH } from "./limits.js";
import {
  ConditionSyntaxError,
  parseCondition,
  parsePath,
  tryParsePath,
  UnsafeTqlPathError,
} from "./parse.js";

const path = (root: string, p: string) => ({ kind: "path", ref: { root, path: p } });
const lit = (value: unknown) => ({ kind: "literal", value });

function syntaxError(text: string): ConditionSyntaxError {
  try {
    parseCondition(text);
  } catch (error) {
    if (error instanceof ConditionSyntaxError) return error;
    throw error;
  }
  throw new Error(`expected a syntax error for ${text}`);
}

describe("parseCondition", () => {
  it("parses the example of the contract", () => {
    expect(parseCondition('profile@stats.views > 0 AND event@type == "purchase"')).toEqual({
      kind: "and",
      operands: [
        { kind: "compare", op: ">", left: path("profile", "stats.views"), right: lit(0) },
        { kind: "compare", op: "==", left: path("event", "type"), right: lit("purchase") },
      ],
    });
  });

  it("binds NOT tighter than AND, and AND tighter than OR", () => {
    const c = parseCondition("NOT event@a == 1 OR event@b == 2 AND event@c == 3");
    expect(c.kind).toBe("or");
    if (c.kind !== "or") return;
    expect(c.operands.map((o) => o.kind)).toEqual(["not", "and"]);
  });

  it("keeps a chain flat: one node holds every operand, parenthesised chains of its kind included", () => {
    const c = parseCondition(
      "event@a == 1 AND (event@b == 2 AND event@c == 3) AND event@d == 4 OR event@e == 5",
    );
    expect(c).toMatchObject({ kind: "or", operands: [{ kind: "and" }, { kind: "compare" }] });
    if (c.kind !== "or" || c.operands[0]?.kind !== "and") throw new Error("unexpected shape");
    expect(c.operands[0].operands).toHaveLength(4);
  });

  it("reads a run of NOTs by its parity", () => {
    const inner = parseCondition("event@a == 1");
    expect(parseCondition("NOT NOT event@a == 1")).toEqual(inner);
    expect(parseCondition(`${"NOT ".repeat(3001)}event@a == 1`)).toEqual({ kind: "not", operand: inner });
  });

  it("lets parentheses override precedence", () => {
    const c = parseCondition("(event@a == 1 OR event@b == 2) AND event@c == 3");
    expect(c.kind).toBe("and");
  });

  it("accepts keywords in any case", () => {
    expect(parseCondition("event@a == 1 and not event@b exists")).toEqual(
      parseCondition("event@a == 1 AND NOT event@b EXISTS"),
    );
  });

  it("parses every comparison operator, with Tracardi's => and =< aliases", () => {
    const ops = ["==", "!=", ">", ">=", "<", "<="];
    for (const op of ops) {
      expect(parseCondition(`event@a ${op} 1`)).toMatchObject({ kind: "compare", op });
    }
    expect(parseCondition("event@a => 1")).toMatchObject({ op: ">=" });
    expect(parseCondition("event@a =< 1")).toMatchObject({ op: "<=" });
  });

  it("parses literals: strings with escapes, numbers, booleans, null", () => {
    expect(parseCondition(String.raw`event@a == "say \"hi\"\n"`)).toMatchObject({ right: lit('say "hi"\n') });
    expect(parseCondition(String.raw`event@a == 'it\'s'`)).toMatchObject({ right: lit("it's") });
    expect(parseCondition("event@a == -1.5e2")).toMatchObject({ right: lit(-150) });
    expect(parseCondition("event@a == TRUE")).toMatchObject({ right: lit(true) });
    expect(parseCondition("event@a == false")).toMatchObject({ right: lit(false) });
    expect(parseCondition("event@a == null")).toMatchObject({ right: lit(null) });
  });

  it("compares two paths", () => {
    expect(parseCondition("profile@traits.a == event@properties.b")).toMatchObject({
      left: path("profile", "traits.a"),
      right: path("event", "properties.b"),
    });
  });

  it("parses exists in its three spellings and NOT EXISTS", () => {
    const exists = { kind: "exists", ref: { root: "event", path: "properties.a" } };
    expect(parseCondition("exists(event@properties.a)")).toEqual(exists);
    expect(parseCondition("EXISTS event@properties.a")).toEqual(exists);
    expect(parseCondition("event@properties.a EXISTS")).toEqual(exists);
    expect(parseCondition("event@properties.a NOT EXISTS")).toEqual({ kind: "not", operand: exists });
  });

  it("parses BETWEEN, IN with both list brackets, NOT IN and CONTAINS", () => {
    expect(parseCondition("event@a BETWEEN 1 AND 5")).toEqual({
      kind: "between",
      operand: path("event", "a"),
      low: lit(1),
      high: lit(5),
    });
    expect(parseCondition('event@a IN (1, "x", null)')).toEqual({
      kind: "in",
      operand: path("event", "a"),
      list: [lit(1), lit("x"), lit(null)],
    });
    expect(parseCondition("event@a in [1]")).toMatchObject({ kind: "in", list: [lit(1)] });
    expect(parseCondition("event@a NOT IN (1)")).toMatchObject({ kind: "not", operand: { kind: "in" } });
    expect(parseCondition('profile@segments CONTAINS "vip"')).toMatchObject({ kind: "text", op: "contains" });
  });

  it("parses IS NULL, IS NOT NULL, EMPTY, NOT EMPTY, STARTS WITH, ENDS WITH", () => {
    expect(parseCondition("event@a IS NULL")).toMatchObject({ kind: "is-null" });
    expect(parseCondition("event@a is not null")).toMatchObject({
      kind: "not",
      operand: { kind: "is-null" },
    });
    expect(parseCondition("event@a EMPTY")).toMatchObject({ kind: "empty" });
    expect(parseCondition("event@a NOT EMPTY")).toMatchObject({ kind: "not", operand: { kind: "empty" } });
    expect(parseCondition('event@a STARTS WITH "x"')).toMatchObject({ op: "starts-with" });
    expect(parseCondition('event@a ends with "x"')).toMatchObject({ op: "ends-with" });
  });

  it("does not take a keyword prefix of a longer word as the keyword", () => {
    expect(() => parseCondition("event@a == 1 ANDROID event@b == 2")).toThrow(ConditionSyntaxError);
  });

  it("reports the offset, line and column of a syntax error with a readable message", () => {
    const error = syntaxError("event@a == 1 AND\n  event@b >");
    expect(error.position).toEqual({ offset: 28, line: 2, column: 12 });
    expect(error.message).toBe(
      "expected a value, a path or a function call, found end of input at line 2, column 12",
    );
  });

  it("reports a wrong operator where it starts", () => {
    const error = syntaxError("event@a === 1");
    expect(error.position.offset).toBe(10);
    expect(error.message).toContain('found "= 1"');
  });

  it("spells expected keywords in upper case", () => {
    expect(syntaxError("event@a IS NUL").message).toContain("expected NULL");
  });

  it("names an unknown path root at its position", () => {
    const error = syntaxError('event@a == 1 OR flow@x == "y"');
    expect(error.position).toEqual({ offset: 16, line: 1, column: 17 });
    expect(error.message).toContain('unknown path root "flow"');
  });

  it("rejects an empty condition and a bare path", () => {
    expect(syntaxError("  ").position.offset).toBe(0);
    expect(() => parseCondition("event@a")).toThrow(ConditionSyntaxError);
  });
});

describe("parseCondition date functions", () => {
  const call = (name: string, ...args: unknown[]) => ({ kind: "call", name, args });

  it("parses Tracardi's function calls on either side, with paths and literals as arguments", () => {
    expect(parseCondition('event@metadata.time.insert > now.offset("-1d")')).toEqual({
      kind: "compare",
      op: ">",
      left: path("event", "metadata.time.insert"),
      right: call("now.offset", lit("-1d")),
    });
    expect(parseCondition('datetime.offset(profile@metadata.time.insert, "-30m") < now ( )')).toMatchObject({
      left: call("datetime.offset", path("profile", "metadata.time.insert"), lit("-30m")),
      right: call("now"),
    });
    expect(parseCondition('event@a BETWEEN datetime("2024-01-01") AND now()')).toMatchObject({
      kind: "between",
      low: call("datetime", lit("2024-01-01")),
    });
  });

  it("reads Tracardi's unquoted durations such as 5m as strings", () => {
    expect(parseCondition("now.offset(5m) > event@a")).toMatchObject({ left: call("now.offset", lit("5m")) });
    expect(() => parseCondition("now.offset(5min) > event@a")).toThrow(ConditionSyntaxError);
  });

  it("refuses unknown functions and wrong argument counts where they are written", () => {
    const unknown = syntaxError("event@a > yesterday()");
    expect(unknown.position.offset).toBe(10);
    expect(unknown.message).toContain("unknown function yesterday() (expected one of now(), now(timezone)");
    expect(syntaxError('event@a > now.offset("1d", "2d")').message).toContain(
      "now.offset() takes 1 argument(s), not 2",
    );
    // `now` is a call in Tracardi's grammar; a bare word is no value.
    expect(syntaxError("event@a > now").message).toContain('a function call, found "now"');
    // Calls take paths and literals, not other calls (Tracardi's op_value_or_field).
    expect(() => parseCondition('event@a > datetime.offset(now(), "-30m")')).toThrow(ConditionSyntaxError);
  });

  it("checks literal arguments when the condition is saved", () => {
    const offset = syntaxError('event@a > now.offset("yesterday")');
    expect(offset.position.offset).toBe(21);
    expect(offset.message).toContain('now.offset(): "yesterday" is not a time offset');
    expect(syntaxError('datetime("2021-02-30") < now()').message).toContain("is not a date");
    expect(syntaxError('now.timezone("Mars/Olympus") < now()').message).toContain("is not a time zone");
    expect(syntaxError('datetime.from_timestamp("x") < now()').message).toContain("not a Unix timestamp");
  });

  it("still refuses unsafe path segments inside a call", () => {
    expect(() => parseCondition("datetime(profile@__proto__.x) < now()")).toThrow(UnsafeTqlPathError);
  });
});

describe("parsePath", () => {
  it("splits the root from the dotted path", () => {
    expect(parsePath("event@properties.a")).toEqual({ root: "event", path: "properties.a" });
    expect(parsePath(" memory@counter ")).toEqual({ root: "memory", path: "counter" });
    expect(parsePath("payload@")).toEqual({ root: "payload", path: "" });
    expect(parsePath("profile@data.contact.email.main")).toEqual({
      root: "profile",
      path: "data.contact.email.main",
    });
  });

  it("rejects unknown roots, missing @, spaces and empty segments", () => {
    for (const bad of ["traits.a", "user@a", "event@a b", "event@a..b", "event@.a", "event@a."]) {
      expect(() => parsePath(bad), bad).toThrow(ConditionSyntaxError);
    }
  });

  it("tryParsePath tells references from literal strings such as e-mail addresses", () => {
    expect(tryParsePath("profile@traits.a")).toEqual({ root: "profile", path: "traits.a" });
    expect(tryParsePath("john@example.com")).toBeUndefined();
    expect(tryParsePath("plain")).toBeUndefined();
  });

  it("refuses segments that reach a prototype, pointing at them, in paths and conditions", () => {
    for (const text of ["profile@__proto__.x", "event@properties.constructor", "payload@a.prototype.b"]) {
      expect(() => parsePath(text), text).toThrow(UnsafeTqlPathError);
      expect(() => tryParsePath(text), text).toThrow(UnsafeTqlPathError);
    }
    const error = syntaxError("event@type == 1 AND profile@__proto__.x == 1");
    expect(error).toBeInstanceOf(UnsafeTqlPathError);
    expect(error.message).toMatch(/segment "__proto__" is not allowed/);
    expect(error.position.offset).toBe(28);
    expect(parsePath("profile@traits.constructors")).toEqual({
      root: "profile",
      path: "traits.constructors",
    });
  });
});

describe("TQL limits", () => {
  const nested = (n: number) => `${"(".repeat(n)}event@type == "x"${")".repeat(n)}`;
  const chain = (n: number, op = "AND") =>
    Array.from({ length: n }, (_, i) => `event@n != ${i}`).join(` ${op} `);

  it(`accepts brackets ${TQL_MAX_DEPTH} deep and refuses one more at the bracket that breaks the limit`, () => {
    expect(parseCondition(nested(TQL_MAX_DEPTH))).toMatchObject({ kind: "compare" });
    for (const n of [TQL_MAX_DEPTH + 1, 300, 5000]) {
      const error = syntaxError(nested(n));
      expect(error.message).toMatch(new RegExp(`nest deeper than ${TQL_MAX_DEPTH} levels`));
      expect(error.position.offset).toBe(TQL_MAX_DEPTH);
    }
  });

  it("counts list and call brackets but not brackets inside strings", () => {
    const quoted = `event@a == "${"(".repeat(100)}" AND event@b == '${"[".repeat(100)}'`;
    expect(parseCondition(quoted)).toMatchObject({ kind: "and" });
    const deepList = `${"(".repeat(TQL_MAX_DEPTH)}event@a IN [1]${")".repeat(TQL_MAX_DEPTH)}`;
    expect(syntaxError(deepList).position.offset).toBe(TQL_MAX_DEPTH + "event@a IN ".length);
  });

  it(`refuses text longer than ${TQL_MAX_LENGTH} characters, saying how long it is`, () => {
    const long = chain(2000);
    expect(long.length).toBeGreaterThan(TQL_MAX_LENGTH);
    const error = syntaxError(long);
    expect(error.message).toContain(`${long.length} characters long; TQL allows at most ${TQL_MAX_LENGTH}`);
    expect(error.position.offset).toBe(TQL_MAX_LENGTH);
    expect(() => parsePath(`event@${"a".repeat(TQL_MAX_LENGTH)}`)).toThrow(ConditionSyntaxError);
  });

  it("parses the longest chain the limit allows", () => {
    const terms: string[] = [];
    while ([...terms, "event@n != 9999"].join(" OR ").length <= TQL_MAX_LENGTH) terms.push("event@n != 9999");
    const c = parseCondition(terms.join(" OR "));
    expect(c).toMatchObject({ kind: "or" });
    if (c.kind === "or") expect(c.operands).toHaveLength(terms.length);
    // Ohm takes a few hundred ms for 16 KB; far more on a loaded 2-core machine.
  }, 60_000);

  it("parses and evaluates a 5000-term chain without deep recursion (limits raised)", () => {
    const limits = { maxDepth: TQL_MAX_DEPTH, maxLength: 1_000_000 };
    const all = parseCondition(chain(5000), limits);
    expect(all).toMatchObject({ kind: "and" });
    if (all.kind === "and") expect(all.operands).toHaveLength(5000);
    expect(evaluate(all, { event: { n: -1 } }, 0)).toBe(true);
    expect(evaluate(all, { event: { n: 4999 } }, 0)).toBe(false);
    const any = parseCondition(chain(5000, "OR").replaceAll("!=", "=="), limits);
    expect(evaluate(any, { event: { n: 4999 } }, 0)).toBe(true);
    expect(evaluate(any, { event: { n: 5000 } }, 0)).toBe(false);
  }, 60_000); // Ohm needs about a second per 100 KB of text
});
