import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { MAX_ID_LENGTH } from "../stages/collect/schema.js";

/**
 * Longest path parameter the router takes, in UTF-16 code units after decoding: room for every id a
 * payload may carry (MAX_ID_LENGTH characters, each at most two units).
 */
export const MAX_ID_PARAM_LENGTH = 2 * MAX_ID_LENGTH;

/**
 * Fastify's `frameworkErrors`: the errors its router answers before any route runs (a path parameter
 * over `maxParamLength`, a path that does not decode) get a `{detail}` body like every other error.
 */
export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const status = error.statusCode ?? 400;
  const detail =
    error.code === "FST_ERR_MAX_PARAM_LENGTH"
      ? `A path parameter is longer than ${MAX_ID_PARAM_LENGTH} characters; ids are at most ${MAX_ID_LENGTH} characters.`
      : error.code === "FST_ERR_BAD_URL"
        ? "The path does not decode (malformed percent-encoding)."
        : error.message;
  reply.code(status).send({ detail });
}
