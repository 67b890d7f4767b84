import type { ErrorObject } from "ajv";

/** `/nodes/2/config/to` → `nodes[2].config.to`. */
export function pointerToField(pointer: string, prefix = ""): string {
  let field = prefix;
  for (const raw of pointer.split("/").slice(1)) {
    const part = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    field += /^\d+$/.test(part) ? `[${part}]` : field === "" ? part : `.${part}`;
  }
  return field;
}

export interface SchemaProblem {
  field: string;
  message: string;
}

/**
 * Readable messages from ajv errors (the validator must be built with `verbose: true`). Errors inside
 * `oneOf` branches are dropped in favour of one message for the `oneOf` itself.
 */
export function schemaProblems(errors: ErrorObject[] | null | undefined, prefix: string): SchemaProblem[] {
  const out: SchemaProblem[] = [];
  const seen = new Set<string>();
  for (const error of errors ?? []) {
    if (error.schemaPath.includes("/oneOf/")) continue;
    const problem = describe(error, prefix);
    const key = `${problem.field}\u0000${problem.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(problem);
    }
  }
  return out;
}

function describe(error: ErrorObject, prefix: string): SchemaProblem {
  const field = pointerToField(error.instancePath, prefix);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "required":
      return {
        field: join(field, String(params.missingProperty)),
        message: `missing required field "${String(params.missingProperty)}"`,
      };
    case "additionalProperties":
      return {
        field: join(field, String(params.additionalProperty)),
        message: `unknown field "${String(params.additionalProperty)}"`,
      };
    case "oneOf": {
      const branches = (error.parentSchema?.oneOf ?? []) as Array<{ required?: string[] }>;
      const names = branches.flatMap((b) => b.required ?? []);
      if (names.length === branches.length && names.length > 0) {
        return { field, message: `needs exactly one of ${names.map((n) => `"${n}"`).join(" or ")}` };
      }
      return { field, message: "does not match any allowed form" };
    }
    default:
      return { field, message: error.message ?? "is invalid" };
  }
}

function join(field: string, name: string): string {
  return field === "" ? name : `${field}.${name}`;
}
