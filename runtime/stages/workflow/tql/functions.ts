import type { Json } from "../../../domain/types.js";
import { isTimeZone, parseIsoDate, parseOffset } from "./dates.js";

/** What an operand evaluates to: a document value, a date made by a function, or absent. */
export type TqlValue = Json | Date | undefined;

/** A function got a value it cannot use (a date that does not parse, an unknown time zone…). */
export class TqlEvaluationError extends Error {
  override readonly name = "TqlEvaluationError";
}

/** What a parameter must hold; literals are checked against it when the condition is parsed. */
type Param = "date" | "offset" | "timezone" | "timestamp" | "text";

interface TqlFunction {
  params: readonly Param[];
  /** Arguments are present (absent or null arguments make the result absent before this runs). */
  apply(args: Exclude<TqlValue, null | undefined>[], now: number): TqlValue;
}

// Comparisons are between instants, so a time zone changes how Tracardi prints a date, never which
// moment it is: the zone is checked and the instant kept.
const FUNCTIONS: Record<string, TqlFunction> = {
  "now/0": { params: [], apply: (_, now) => new Date(now) },
  "now/1": { params: ["timezone"], apply: ([zone], now) => (timeZone(zone), new Date(now)) },
  "utcnow/0": { params: [], apply: (_, now) => new Date(now) },
  "now.offset/1": { params: ["offset"], apply: ([offset], now) => new Date(now + toOffset(offset)) },
  "now.timezone/1": { params: ["timezone"], apply: ([zone], now) => (timeZone(zone), new Date(now)) },
  "now.timezone.offset/2": {
    params: ["timezone", "offset"],
    apply: ([zone, offset], now) => (timeZone(zone), new Date(now + toOffset(offset))),
  },
  "datetime/1": { params: ["date"], apply: ([date]) => toDate(date) },
  "datetime.offset/2": {
    params: ["date", "offset"],
    apply: ([date, offset]) => new Date(toDate(date).getTime() + toOffset(offset)),
  },
  "datetime.timezone/2": {
    params: ["date", "timezone"],
    apply: ([date, zone]) => (timeZone(zone), toDate(date)),
  },
  "datetime.from_timestamp/1": { params: ["timestamp"], apply: ([seconds]) => fromTimestamp(seconds) },
  "lowercase/1": {
    params: ["text"],
    apply: ([text]) => (typeof text === "string" ? text.toLowerCase() : text),
  },
  "uppercase/1": {
    params: ["text"],
    apply: ([text]) => (typeof text === "string" ? text.toUpperCase() : text),
  },
};

/** Every function with its parameters, e.g. `now.offset(offset)`, for messages. */
export const FUNCTION_SIGNATURES = Object.entries(FUNCTIONS).map(
  ([key, fn]) => `${key.slice(0, key.lastIndexOf("/"))}(${fn.params.join(", ")})`,
);

export function hasFunction(name: string, arity: number): boolean {
  return Object.hasOwn(FUNCTIONS, `${name}/${arity}`);
}

export function arities(name: string): number[] {
  return Object.keys(FUNCTIONS)
    .filter((key) => key.startsWith(`${name}/`))
    .map((key) => Number(key.slice(name.length + 1)));
}

/** Why a literal cannot be argument `index` of the function, or undefined when it can. */
export function literalProblem(name: string, arity: number, index: number, value: Json): string | undefined {
  const param = FUNCTIONS[`${name}/${arity}`]?.params[index];
  if (param === undefined || value === null) return undefined;
  try {
    check(param, value);
    return undefined;
  } catch (error) {
    return `${name}(): ${(error as Error).message}`;
  }
}

function check(param: Param, value: Exclude<TqlValue, null | undefined>): void {
  if (param === "date") toDate(value);
  else if (param === "offset") toOffset(value);
  else if (param === "timezone") timeZone(value);
  else if (param === "timestamp") fromTimestamp(value);
}

/** Applies a function the parser accepted; throws TqlEvaluationError for an argument it cannot use. */
export function callFunction(name: string, args: TqlValue[], now: number): TqlValue {
  const fn = FUNCTIONS[`${name}/${args.length}`];
  if (!fn) throw new TqlEvaluationError(`unknown function ${name}() with ${args.length} argument(s)`);
  const present: Exclude<TqlValue, null | undefined>[] = [];
  for (const arg of args) {
    if (arg === undefined || arg === null) return undefined;
    present.push(arg);
  }
  try {
    return fn.apply(present, now);
  } catch (error) {
    if (error instanceof TqlEvaluationError) throw new TqlEvaluationError(`${name}(): ${error.message}`);
    throw error;
  }
}

function shown(value: TqlValue): string {
  return value instanceof Date ? value.toISOString() : JSON.stringify(value);
}

function toDate(value: TqlValue): Date {
  if (value instanceof Date) return value;
  const date = typeof value === "string" ? parseIsoDate(value) : undefined;
  if (!date)
    throw new TqlEvaluationError(
      `${shown(value)} is not a date (expected ISO 8601, e.g. 2024-03-01T10:00:00Z)`,
    );
  return date;
}

function toOffset(value: TqlValue): number {
  const ms = typeof value === "string" ? parseOffset(value) : undefined;
  if (ms === undefined)
    throw new TqlEvaluationError(`${shown(value)} is not a time offset (e.g. "-1d", "+30m", "1h 30m")`);
  return ms;
}

function timeZone(value: TqlValue): void {
  if (typeof value !== "string" || !isTimeZone(value)) {
    throw new TqlEvaluationError(`${shown(value)} is not a time zone (e.g. "Europe/Warsaw")`);
  }
}

function fromTimestamp(value: TqlValue): Date {
  const seconds =
    typeof value === "number"
      ? value
      : typeof value === "string" && value.trim() !== ""
        ? Number(value)
        : Number.NaN;
  const date = new Date(seconds * 1000);
  if (!Number.isFinite(seconds) || Number.isNaN(date.getTime())) {
    throw new TqlEvaluationError(`${shown(value)} is not a Unix timestamp in seconds`);
  }
  return date;
}

/** A value as a date when it is one or reads as one (an ISO string); used to compare with dates. */
export function asDate(value: TqlValue): Date | undefined {
  if (value instanceof Date) return value;
  return typeof value === "string" ? parseIsoDate(value) : undefined;
}
