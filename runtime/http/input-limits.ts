import type { FastifyInstance } from "fastify";
import { findJsonLimitBreach, type JsonLimits, MALFORMED_TEXT } from "../domain/json-limits.js";
import { HttpError } from "./errors.js";

/**
 * Refuses, with 422 naming the path, a body or query string nested too deep or too wide. Runs before
 * schema validation and every handler, on every route of the app: past this door no request value
 * is deeper than `maxDepth`.
 */
export function installInputLimits(app: FastifyInstance, limits: JsonLimits): void {
  app.addHook("preValidation", (request, _reply, done) => {
    const breach =
      locate("body", findJsonLimitBreach(request.body, limits)) ??
      locate("query", findJsonLimitBreach(request.query, limits));
    done(breach === null ? undefined : new HttpError(422, [breach], rejectionOf(breach)));
  });
}

function rejectionOf(breach: { type: string }): "too_deep" | "too_wide" | "invalid" {
  if (breach.type === "value_error.json.too_deep") return "too_deep";
  return breach.type === MALFORMED_TEXT ? "invalid" : "too_wide";
}

function locate(context: string, breach: ReturnType<typeof findJsonLimitBreach>) {
  return breach === null ? null : { loc: [context, ...breach.path], msg: breach.msg, type: breach.type };
}
