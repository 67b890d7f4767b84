import type { Schema } from "../api/schema.js";

/** API-server style structural defaulting: a default fills a missing field, then its own fields default. */
export function applyDefaults(schema: Schema, value: unknown): unknown {
  if (schema.type !== "object" || typeof value !== "object" || value === null || Array.isArray(value))
    return value;
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    if (out[key] === undefined && prop.default !== undefined) out[key] = structuredClone(prop.default);
    if (out[key] !== undefined) out[key] = applyDefaults(prop, out[key]);
  }
  return out;
}
