import type { TemplateScope } from "../../domain/destination.js";
import { getPath, unsafePathProblem } from "../../domain/paths.js";
import type { Json } from "../../domain/types.js";

const REFERENCE = /^(profile|session|event)@([A-Za-z0-9_.-]+)$/;
const PLACEHOLDER = /\{\{\s*(profile|session|event)@([A-Za-z0-9_.-]+)\s*\}\}/g;

/**
 * Renders a destination mapping: a string that is exactly a reference (`profile@traits.a`) becomes the
 * referenced value (any JSON); `{{…}}` placeholders inside longer strings are interpolated as text;
 * everything else is copied. Missing values render as null (or an empty string inside text).
 */
export function renderTemplate(template: Json, scope: TemplateScope): Json {
  if (typeof template === "string") {
    const whole = REFERENCE.exec(template);
    if (whole) return lookup(scope, whole[1] as keyof TemplateScope, whole[2] as string) ?? null;
    return template.replace(PLACEHOLDER, (_match, root: keyof TemplateScope, path: string) => {
      const value = lookup(scope, root, path);
      if (value === undefined || value === null) return "";
      return typeof value === "object" ? JSON.stringify(value) : String(value);
    });
  }
  if (Array.isArray(template)) return template.map((item) => renderTemplate(item, scope));
  if (template !== null && typeof template === "object") {
    return Object.fromEntries(Object.entries(template).map(([k, v]) => [k, renderTemplate(v, scope)]));
  }
  return template;
}

function lookup(scope: TemplateScope, root: keyof TemplateScope, path: string): Json | undefined {
  const doc = scope[root];
  return doc === null ? undefined : getPath(doc, path);
}

/** A reference in a destination mapping that may not be saved: where it is (`loc`) and why. */
export interface TemplateProblem {
  loc: (string | number)[];
  msg: string;
}

/** References (`profile@…`, `{{event@…}}`) with a segment reaching a prototype, wherever they are. */
export function templateProblems(template: Json, loc: (string | number)[] = []): TemplateProblem[] {
  if (typeof template === "string") {
    const whole = REFERENCE.exec(template);
    const paths = whole
      ? [whole[2] as string]
      : [...template.matchAll(PLACEHOLDER)].map((m) => m[2] as string);
    return paths.flatMap((path) => {
      const problem = unsafePathProblem(path);
      return problem ? [{ loc, msg: `${problem}: "${template}"` }] : [];
    });
  }
  if (Array.isArray(template)) return template.flatMap((item, i) => templateProblems(item, [...loc, i]));
  if (template !== null && typeof template === "object") {
    return Object.entries(template).flatMap(([key, value]) => templateProblems(value, [...loc, key]));
  }
  return [];
}
