import type { FastifyCorsOptions } from "@fastify/cors";
import type { FastifyRequest } from "fastify";

const METHODS = ["GET", "POST", "PUT", "DELETE", "OPTIONS"];
const ANY_ORIGIN: FastifyCorsOptions = { origin: "*", credentials: true, methods: METHODS, maxAge: 600 };
const THIS_ORIGIN: FastifyCorsOptions = { ...ANY_ORIGIN, origin: true };

/**
 * The public API's CORS, as Tracardi's (Starlette's CORSMiddleware with every origin and
 * credentials allowed): a preflight, and a request that carries cookies, get their own origin back
 * with `Access-Control-Allow-Credentials: true`; other responses get `*`. A browser refuses `*` for a
 * request made with credentials, and `navigator.sendBeacon` always sends them: Tracardi's tracker
 * sends its beacons as JSON, which needs a preflight, so with `*` they would never arrive.
 */
export function publicCors(
  request: FastifyRequest,
  done: (error: Error | null, options: FastifyCorsOptions) => void,
): void {
  // A callback, not a promise: this runs for every /track request.
  const explicit = request.method === "OPTIONS" || request.headers.cookie !== undefined;
  done(null, explicit ? THIS_ORIGIN : ANY_ORIGIN);
}
