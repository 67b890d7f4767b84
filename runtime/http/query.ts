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
    limit: integer(query, "limit", defaultLimit, 1, maxLimit),
    offset: integer(query, "offset", 0, 0, Number.MAX_SAFE_INTEGER),
  };
}

function integer(
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
