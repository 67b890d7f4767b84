import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import type { JsonObject } from "../../domain/types.js";
import type { EventTypeSchema } from "../../ports/store.js";

// ajv-formats is CommonJS; its default export arrives wrapped under NodeNext.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

export interface ValidationResult {
  valid: boolean;
  messages: string[];
}

/** Per-event-type JSON-schema validation; compiled validators are cached by schema content. */
export class EventValidator {
  private readonly ajv = addFormats(new Ajv({ allErrors: true, strict: false }));
  private readonly compiled = new Map<string, ValidateFunction>();

  /** Compiles a schema, throwing with ajv's message when the schema itself is invalid. */
  compile(schema: EventTypeSchema["schema"]): ValidateFunction {
    const key = JSON.stringify(schema);
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile(schema);
      this.compiled.set(key, validate);
    }
    return validate;
  }

  /** The event document is validated as `{properties, context, ...}` like Tracardi's validator. */
  validate(event: JsonObject, schemas: EventTypeSchema[]): ValidationResult {
    const messages: string[] = [];
    for (const schema of schemas) {
      const validate = this.compile(schema.schema);
      if (!validate(event)) {
        for (const error of validate.errors ?? []) {
          messages.push(`${schema.name}: ${error.instancePath || "/"} ${error.message ?? "is invalid"}`);
        }
      }
    }
    return { valid: messages.length === 0, messages };
  }
}
