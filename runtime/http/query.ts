import { HttpError } from "./errors.js";

export interface Window {
  limit: number;
  offset: number;
}

/** `limit`/`offset` query parameters, validated with a 422 naming the parameter. */
export function pageWindow(
  query: Record<string, string | undefined>,
  defaultLimit = 20,
  maxLimit = 1000,
): Window {
  return {
    limit: integerParam(query, "limit", defaultLimit, 1, maxLimit),
    offset: integerParam(query, "offset", 0, 0, Number.MAX_SAFE_INTEGER),
  };
}

/** An integer query parameter from `min` to `max`, `fallback` when absent; a 422 naming it otherwise. */
export function integerParam(
  query: Record<string, string | undefined>,
  name: string,
  fallback: number,
  min: number,
  max: number,
) {
  const raw = query[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new HttpError(422, [
      { loc: ["query", name], msg: `must be an integer from ${min} to ${max}`, type: "value_error.number" },
    ]);
  }
  return value;
}

/** A dotted document path from user input: letters, digits, `_` and `-` between dots. */
export function fieldPath(query: Record<string, string | undefined>, name: string): string | undefined {
  const raw = query[name];
  if (raw === undefined || raw === "") return undefined;
  if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(raw)) {
    throw new HttpError(422, [
      { loc: ["query", name], msg: "must be a dotted field path", type: "value_error.path" },
    ]);
  }
  return raw;
}

const TRUE = new Set(["1", "on", "t", "true", "y", "yes"]);
const FALSE = new Set(["0", "off", "f", "false", "n", "no"]);

/** A boolean query parameter, spelled as FastAPI (pydantic) reads one: `true`/`false`, `1`/`0`, `yes`/`no`… */
export function booleanParam(query: Record<string, string | undefined>, name: string): boolean | undefined {
  const raw = query[name];
  if (raw === undefined || raw === "") return undefined;
  const text = raw.trim().toLowerCase();
  if (TRUE.has(text)) return true;
  if (FALSE.has(text)) return false;
  throw new HttpError(422, [
    { loc: ["query", name], msg: "value could not be parsed to a boolean", type: "type_error.bool" },
  ]);
}

/** An instant as a query parameter (ISO 8601, any offset), normalised to UTC ISO 8601; 422 otherwise. */
export function instantParam(query: Record<string, string | undefined>, name: string): string | undefined {
  const raw = query[name];
  if (raw === undefined || raw === "") return undefined;
  const time = /^\d{4}-\d{2}-\d{2}/.test(raw) ? Date.parse(raw) : Number.NaN;
  if (Number.isNaN(time))
    throw new HttpError(422, [
      { loc: ["query", name], msg: "must be an ISO 8601 date or date-time", type: "value_error.datetime" },
    ]);
  return new Date(time).toISOString();
}
