import type { FastifyInstance } from "fastify";
import { newId } from "../../domain/ids.js";
import { unsafePathProblem } from "../../domain/paths.js";
import { WRITABLE_PROFILE_ROOTS } from "../../domain/profile-fields.js";
import type { BridgeType, EventSource, JsonObject } from "../../domain/types.js";
import type { EventToProfileMapping, EventTypeSchema, MappingOperation } from "../../ports/store.js";
import type { Runtime } from "../../runtime.js";
import { MAX_ID_LENGTH } from "../../stages/collect/schema.js";
import { HttpError, type ValidationDetail } from "../errors.js";
import { crudRoutes } from "./crud.js";

const WRITABLE_ROOTS = WRITABLE_PROFILE_ROOTS;

const sourceBody = {
  type: "object",
  required: ["name", "type"],
  properties: {
    // As long as the source ids /track accepts.
    id: { type: "string", minLength: 1, maxLength: MAX_ID_LENGTH, pattern: "^\\s*[^@\\s][^\\s]*\\s*$" },
    name: { type: "string", minLength: 1 },
    description: { type: "string" },
    type: {
      anyOf: [
        { type: "string", enum: ["rest", "webhook"] },
        { type: "array", minItems: 1, items: { type: "string", enum: ["rest", "webhook"] } },
      ],
    },
    channel: { type: "string" },
    enabled: { type: "boolean" },
    transitional: { type: "boolean" },
    tags: { type: "array", items: { type: "string" } },
    config: { type: "object" },
  },
  additionalProperties: false,
} as const;

const mappingBody = {
  type: "object",
  required: ["event_type", "event_to_profile"],
  properties: {
    id: { type: "string", minLength: 1, maxLength: 128 },
    name: { type: "string" },
    description: { type: "string" },
    event_type: { type: "string", minLength: 1 },
    source_id: { type: ["string", "null"] },
    enabled: { type: "boolean" },
    config: { type: "object" },
    event_to_profile: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        required: ["event", "op", "profile"],
        properties: {
          event: {
            type: "object",
            required: ["value"],
            properties: { value: { type: "string", minLength: 1 } },
          },
          op: { type: "string", enum: ["equals", "equals-if-not-exists", "append"] },
          profile: {
            type: "object",
            required: ["value"],
            properties: { value: { type: "string", pattern: `^(${WRITABLE_ROOTS.join("|")})(\\.[^.]+)*$` } },
          },
        },
      },
    },
  },
  additionalProperties: false,
} as const;

const schemaBody = {
  type: "object",
  required: ["event_type", "schema"],
  properties: {
    id: { type: "string", minLength: 1, maxLength: 128 },
    name: { type: "string" },
    event_type: { type: "string", minLength: 1 },
    enabled: { type: "boolean" },
    schema: { type: "object" },
  },
  additionalProperties: false,
} as const;

interface SourceInput {
  id?: string;
  name: string;
  description?: string;
  type: BridgeType | BridgeType[];
  channel?: string;
  enabled?: boolean;
  transitional?: boolean;
  tags?: string[];
  config?: JsonObject;
}

interface MappingInput {
  id?: string;
  name?: string;
  description?: string;
  event_type: string;
  source_id?: string | null;
  enabled?: boolean;
  config?: { merge_on_change?: boolean };
  event_to_profile: { event: { value: string }; op: MappingOperation; profile: { value: string } }[];
}

interface SchemaInput {
  id?: string;
  name?: string;
  event_type: string;
  enabled?: boolean;
  schema: EventTypeSchema["schema"];
}

/** 422 naming every event or profile path of a mapping that would reach a prototype. */
function refuseUnsafePaths(rules: MappingInput["event_to_profile"]): void {
  const detail: ValidationDetail[] = rules.flatMap((rule, i) =>
    (["event", "profile"] as const).flatMap((side) => {
      const problem = unsafePathProblem(rule[side].value);
      return problem
        ? [{ loc: ["body", "event_to_profile", i, side, "value"], msg: problem, type: "value_error.path" }]
        : [];
    }),
  );
  if (detail.length > 0) throw new HttpError(422, detail);
}

/** CRUD for event sources, event-to-profile mappings and event-type schemas. */
export function configRoutes(app: FastifyInstance, runtime: Runtime): void {
  const { config, sources, validator } = runtime;

  crudRoutes<EventSource, SourceInput>(app, {
    base: "/api/v1/event-sources",
    noun: "event source",
    collection: config.sources,
    body: sourceBody,
    build: (input, id) => ({
      id: (id ?? input.id ?? newId()).trim().toLowerCase(),
      name: input.name,
      description: input.description ?? "",
      type: Array.isArray(input.type) ? input.type : [input.type],
      channel: input.channel ?? "Web",
      enabled: input.enabled ?? true,
      transitional: input.transitional ?? false,
      tags: input.tags ?? [],
      config: input.config ?? {},
      timestamp: new Date().toISOString(),
    }),
    changed: (doc) => {
      sources.forget(doc.id);
      runtime.configChanged();
    },
  });

  crudRoutes<EventToProfileMapping, MappingInput>(app, {
    base: "/api/v1/event-to-profile-mappings",
    noun: "mapping",
    collection: config.mappings,
    body: mappingBody,
    build: (input, id) => {
      refuseUnsafePaths(input.event_to_profile);
      return {
        id: id ?? input.id ?? newId(),
        name: input.name ?? input.event_type,
        description: input.description ?? "",
        event_type: input.event_type,
        source_id: input.source_id ?? null,
        enabled: input.enabled ?? true,
        config: input.config ?? {},
        event_to_profile: input.event_to_profile,
      };
    },
    changed: () => runtime.configChanged(),
  });

  crudRoutes<EventTypeSchema, SchemaInput>(app, {
    base: "/api/v1/event-type-schemas",
    noun: "event type schema",
    collection: config.schemas,
    body: schemaBody,
    build: (input, id) => {
      try {
        validator.compile(input.schema);
      } catch (error) {
        throw new HttpError(422, [
          {
            loc: ["body", "schema"],
            msg: `invalid JSON schema: ${(error as Error).message}`,
            type: "value_error.schema",
          },
        ]);
      }
      return {
        id: id ?? input.id ?? newId(),
        name: input.name ?? input.event_type,
        event_type: input.event_type,
        enabled: input.enabled ?? true,
        schema: input.schema,
      };
    },
    changed: () => runtime.configChanged(),
  });
}
