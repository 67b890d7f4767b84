import type { Json } from "../../../domain/types.js";
import { NodeError } from "./types.js";

const NAME = /^[A-Za-z0-9_-]+$/;

/** Segment, interest and memory-key names become path segments, so they may not contain dots. */
export function requireName(value: Json | undefined, what: string): string {
  if (typeof value !== "string" || !NAME.test(value)) {
    throw new NodeError(
      `${what} must be a name of letters, digits, "-" or "_", got ${JSON.stringify(value ?? null)}`,
    );
  }
  return value;
}

export function isName(value: string): boolean {
  return NAME.test(value);
}
