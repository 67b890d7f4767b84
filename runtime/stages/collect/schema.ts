/** JSON schema of the `POST /track` body (tracardi.md §1.2), used by fastify's ajv. */

/**
 * Longest id (in characters) a payload may carry for its source, session, profile and events; the
 * private API reads back every id this allows (see MAX_ID_PARAM_LENGTH).
 */
export const MAX_ID_LENGTH = 256;

const objectOrNull = { type: ["object", "null"] } as const;
const idObject = {
  type: "object",
  required: ["id"],
  properties: { id: { type: "string", minLength: 1, maxLength: MAX_ID_LENGTH } },
} as const;

export function trackerPayloadSchema(maxEvents: number) {
  return {
    type: "object",
    required: ["source", "events"],
    properties: {
      source: idObject,
      session: {
        type: ["object", "null"],
        properties: { id: { type: "string", maxLength: MAX_ID_LENGTH }, metadata: objectOrNull },
      },
      profile: {
        type: ["object", "null"],
        properties: {
          id: { type: "string", maxLength: MAX_ID_LENGTH },
          primary_id: { type: ["string", "null"] },
          ids: { type: "array", items: { type: "string" } },
          metadata: objectOrNull,
        },
      },
      context: objectOrNull,
      properties: objectOrNull,
      request: objectOrNull,
      options: objectOrNull,
      profile_less: { type: "boolean" },
      debug: { type: "boolean" },
      events: {
        type: "array",
        maxItems: maxEvents,
        items: {
          type: "object",
          required: ["type"],
          properties: {
            id: { type: "string", minLength: 1, maxLength: MAX_ID_LENGTH },
            type: { type: "string", pattern: "\\S", maxLength: 256 },
            properties: objectOrNull,
            options: objectOrNull,
            context: objectOrNull,
            tags: { type: "array", items: { type: "string" } },
            time: {
              type: ["object", "null"],
              properties: {
                insert: { type: "string", format: "date-time" },
                create: { type: "string", format: "date-time" },
                update: { type: "string", format: "date-time" },
              },
            },
          },
        },
      },
    },
  } as const;
}

/** The `/track` answer (tracardi.md §1.4); also lets fastify serialise it with a compiled stringifier. */
export const trackResponseSchema = {
  type: ["object", "null"],
  properties: {
    task: { type: "string" },
    ux: { type: "array", items: {} },
    response: { type: "object", additionalProperties: true },
    profile: { type: ["object", "null"], properties: { id: { type: "string" } } },
    session: { type: "object", properties: { id: { type: "string" } } },
    errors: { type: "array", items: {} },
    warnings: { type: "array", items: {} },
  },
} as const;
