import type { FastifyInstance } from "fastify";
import { LOG_KINDS, LOG_LEVELS, type LogKind, type LogLevel } from "../../ports/monitoring-log.js";
import type { Runtime } from "../../runtime.js";
import { HttpError } from "../errors.js";
import { pageWindow } from "../query.js";

/**
 * `GET /api/v1/logs?level=&kind=&since=&limit=&offset=`: the monitoring log, newest first, as
 * `{total, result: [{id, time, level, kind, process, message, details}]}`.
 */
export function logRoutes(app: FastifyInstance, runtime: Runtime): void {
  app.get<{ Querystring: Record<string, string | undefined> }>("/api/v1/logs", async (request) => {
    const query = request.query;
    const window = pageWindow(query, 100, 1000);
    const level = oneOf(query, "level", LOG_LEVELS);
    const kind = oneOf(query, "kind", LOG_KINDS);
    const since = instant(query, "since");
    return runtime.monitoring.list({
      ...(level ? { level: level as LogLevel } : {}),
      ...(kind ? { kind: kind as LogKind } : {}),
      ...(since ? { since } : {}),
      ...window,
    });
  });
}

function oneOf(
  query: Record<string, string | undefined>,
  name: string,
  values: readonly string[],
): string | undefined {
  const raw = query[name];
  if (raw === undefined || raw === "") return undefined;
  if (values.includes(raw)) return raw;
  throw new HttpError(422, [
    { loc: ["query", name], msg: `must be one of ${values.join(", ")}`, type: "value_error.enum" },
  ]);
}

/** An ISO 8601 date or date-time, as a UTC ISO string (what entries are stored and compared by). */
function instant(query: Record<string, string | undefined>, name: string): string | undefined {
  const raw = query[name];
  if (raw === undefined || raw === "") return undefined;
  const time = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(raw)
    ? Date.parse(raw)
    : Number.NaN;
  if (Number.isNaN(time)) {
    throw new HttpError(422, [
      { loc: ["query", name], msg: "must be an ISO 8601 date or date-time", type: "value_error.datetime" },
    ]);
  }
  return new Date(time).toISOString();
}
