import { FORBIDDEN_SEGMENTS } from "../../../domain/paths.js";
import type { Json } from "../../../domain/types.js";
import { NodeError } from "./types.js";

const NAME = /^[A-Za-z0-9_-]+$/;
const RULE = `a name of letters, digits, "-" or "_"`;
const KEY_RULE = `${RULE}, not ${[...FORBIDDEN_SEGMENTS].join(", ")}`;

/** Segment names are list values: letters, digits, "-" or "_". */
export function requireName(value: Json | undefined, what: string): string {
  if (typeof value !== "string" || !NAME.test(value)) {
    throw new NodeError(`${what} must be ${RULE}, got ${JSON.stringify(value ?? null)}`);
  }
  return value;
}

/** Interest names and memory keys become path segments, so they may not reach a prototype either. */
export function requireKey(value: Json | undefined, what: string): string {
  if (typeof value !== "string" || !isKey(value)) {
    throw new NodeError(`${what} must be ${KEY_RULE}, got ${JSON.stringify(value ?? null)}`);
  }
  return value;
}

export function isKey(value: string): boolean {
  return NAME.test(value) && !FORBIDDEN_SEGMENTS.has(value);
}

export function keyProblem(value: string, what: string): string | undefined {
  return isKey(value) ? undefined : `${what} must be ${KEY_RULE}, got "${value}"`;
}
