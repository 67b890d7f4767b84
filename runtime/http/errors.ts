import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { UnserialisableMessageError } from "../ports/queue.js";
import { BackendUnavailableError } from "../ports/unavailable.js";
import type { RejectionReason } from "./metrics.js";

/** FastAPI-shaped error bodies (`{detail}`), which Tracardi clients already understand. */
export interface ValidationDetail {
  loc: (string | number)[];
  msg: string;
  type: string;
}

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly detail: string | ValidationDetail[],
    /** What a refused payload is counted as, where the status alone does not say. */
    readonly reason?: RejectionReason,
  ) {
    super(typeof detail === "string" ? detail : detail.map((d) => d.msg).join("; "));
  }
}

interface AjvLikeError {
  keyword: string;
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

export function validationDetails(errors: AjvLikeError[], context: string): ValidationDetail[] {
  return errors.map((error) => {
    const loc: (string | number)[] = [context];
    for (const segment of error.instancePath.split("/").slice(1)) {
      loc.push(/^\d+$/.test(segment) ? Number(segment) : segment.replaceAll("~1", "/").replaceAll("~0", "~"));
    }
    if (error.keyword === "required" && typeof error.params.missingProperty === "string") {
      loc.push(error.params.missingProperty);
      return { loc, msg: "field required", type: "value_error.missing" };
    }
    if (error.keyword === "pattern" && loc.at(-1) === "type") {
      return { loc, msg: "Event type can not be empty", type: "value_error" };
    }
    if (isTooManyEvents(error)) {
      return {
        loc,
        msg: `too many events in one payload (at most ${String(error.params.limit)})`,
        type: "value_error.too_many",
      };
    }
    return { loc, msg: error.message ?? "is invalid", type: `value_error.${error.keyword}` };
  });
}

function isTooManyEvents(error: AjvLikeError): boolean {
  return error.keyword === "maxItems" && error.instancePath === "/events";
}

/**
 * One error handler for both APIs: client mistakes get a 4xx with a reason, a full queue or a backend
 * out of reach a 503 with Retry-After, and only real faults a 500.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof HttpError) return reply.code(error.statusCode).send({ detail: error.detail });
    if (error instanceof BackendUnavailableError) {
      return reply
        .code(503)
        .header("retry-after", String(error.retryAfterSeconds))
        .send({ detail: `Not accepted, try again later: ${withoutCredentials(error.message)}` });
    }
    if (error instanceof UnserialisableMessageError) {
      return reply
        .code(422)
        .send({ detail: [{ loc: ["body"], msg: error.message, type: "value_error.unserialisable" }] });
    }
    if (error.validation) {
      return reply.code(422).send({
        detail: validationDetails(error.validation as AjvLikeError[], error.validationContext ?? "body"),
      });
    }
    switch (error.code) {
      case "FST_ERR_CTP_BODY_TOO_LARGE":
        return reply.code(413).send({
          detail: `Request body is larger than the limit of ${request.routeOptions.bodyLimit ?? "?"} bytes`,
        });
      case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
        return reply
          .code(415)
          .send({ detail: `Unsupported content type: ${request.headers["content-type"] ?? "none"}` });
      case "FST_ERR_CTP_EMPTY_JSON_BODY":
        return reply
          .code(422)
          .send({ detail: [{ loc: ["body"], msg: "body is empty", type: "value_error.missing" }] });
      case "FST_ERR_CTP_INVALID_JSON_BODY":
        return reply.code(422).send({
          detail: [{ loc: ["body"], msg: "body is not valid JSON", type: "value_error.jsondecode" }],
        });
    }
    if (error instanceof SyntaxError || (error.statusCode !== undefined && error.statusCode < 500)) {
      return reply.code(error.statusCode ?? 400).send({ detail: error.message });
    }
    request.log.error({ err: error }, "request failed");
    return reply.code(500).send({ detail: "Internal error; the request was not accepted." });
  });
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ detail: `No route ${request.method} ${request.url.split("?")[0]}` });
  });
}

/**
 * Counts every payload the routes of `app` answer with an error, once, by the reason of
 * `rejectionReason`: the response's status says which refusal it was, the error what kind of it.
 */
export function countRejections(app: FastifyInstance, count: (reason: RejectionReason) => void): void {
  const errors = new WeakMap<FastifyRequest, unknown>();
  // onError sees the error as thrown, before the error handler turns it into a response.
  app.addHook("onError", async (request, _reply, error) => {
    errors.set(request, error);
  });
  app.addHook("onResponse", async (request, reply) => {
    const reason = rejectionReason(reply.statusCode, errors.get(request));
    if (reason !== null) count(reason);
  });
}

/** Why a response with `statusCode`, caused by `error`, did not accept a payload; null when it did. */
export function rejectionReason(statusCode: number, error: unknown): RejectionReason | null {
  if (statusCode < 400) return null;
  if (error instanceof HttpError && error.reason !== undefined) return error.reason;
  if (statusCode === 413) return "too_large";
  if (statusCode === 415) return "content_type";
  if (statusCode === 503) return "unavailable";
  if (statusCode >= 500) return "error";
  const fault = error as Partial<FastifyError> | undefined;
  if (fault?.code === "FST_ERR_CTP_INVALID_JSON_BODY" || fault?.code === "FST_ERR_CTP_EMPTY_JSON_BODY") {
    return "not_json";
  }
  if ((fault?.validation as AjvLikeError[] | undefined)?.some(isTooManyEvents)) return "too_many_events";
  return "invalid";
}

/** Drops what could be a credential from a message a client sees: URL user info, token and password parameters. */
export function withoutCredentials(text: string): string {
  return text
    .replace(/\/\/[^/@\s]*@/g, "//")
    .replace(/([?&](?:token|password|access_token|auth)=)[^&\s]*/gi, "$1***");
}
