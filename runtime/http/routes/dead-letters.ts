import type { FastifyInstance } from "fastify";
import { type DeadLetterFilter, TOPICS, type Topic } from "../../ports/queue.js";
import type { Runtime } from "../../runtime.js";
import { HttpError } from "../errors.js";
import { pageWindow } from "../query.js";

/** Most letters one listing page returns (`limit` above it is a 422, as on the other lists). */
const MAX_PAGE = 1000;

/** A set of dead letters named in a replay or purge body; an empty body means all of them. */
const filterBody = {
  type: "object",
  additionalProperties: false,
  properties: {
    topic: { type: "string", enum: [...TOPICS] },
    reason: { type: "string", minLength: 1 },
    ids: { type: "array", items: { type: "string" }, maxItems: 10_000 },
  },
} as const;

/** Messages that failed for good: listed in pages, replayed onto their topics, or purged. */
export function deadLetterRoutes(app: FastifyInstance, runtime: Runtime): void {
  const { queue } = runtime;

  app.get<{ Querystring: Record<string, string | undefined> }>("/api/v1/dead-letters", async (request) => {
    const window = pageWindow(request.query, 100, MAX_PAGE);
    const filter = queryFilter(request.query);
    return { ...(await queue.deadLetters(filter, window)), ...window };
  });

  app.post<{ Body: DeadLetterFilter }>(
    "/api/v1/dead-letters/replay",
    { schema: { body: filterBody } },
    async (request) => ({ replayed: await queue.replayDeadLetters(request.body) }),
  );

  app.post<{ Body: DeadLetterFilter }>(
    "/api/v1/dead-letters/purge",
    { schema: { body: filterBody } },
    async (request) => ({ deleted: await queue.deleteDeadLetters(request.body) }),
  );

  app.post<{ Params: { id: string } }>("/api/v1/dead-letters/:id/replay", async (request) => {
    if ((await queue.replayDeadLetters({ ids: [request.params.id] })) === 0)
      throw notFound(request.params.id);
    return { replayed: request.params.id };
  });

  app.delete<{ Params: { id: string } }>("/api/v1/dead-letters/:id", async (request, reply) => {
    if ((await queue.deleteDeadLetters({ ids: [request.params.id] })) === 0)
      throw notFound(request.params.id);
    return reply.code(204).send();
  });
}

function queryFilter(query: Record<string, string | undefined>): DeadLetterFilter {
  const { topic, reason } = query;
  if (topic !== undefined && topic !== "" && !TOPICS.includes(topic as Topic)) {
    throw new HttpError(422, [
      { loc: ["query", "topic"], msg: `must be one of ${TOPICS.join(", ")}`, type: "value_error.enum" },
    ]);
  }
  return {
    ...(topic ? { topic: topic as Topic } : {}),
    ...(reason ? { reason } : {}),
  };
}

function notFound(id: string): HttpError {
  return new HttpError(404, `No dead letter with id \`${id}\`.`);
}
