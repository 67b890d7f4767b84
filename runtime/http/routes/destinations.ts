import type { FastifyInstance } from "fastify";
import { type Destination, type Resource, redactResource } from "../../domain/destination.js";
import { newId } from "../../domain/ids.js";
import type { Json } from "../../domain/types.js";
import type { Runtime } from "../../runtime.js";
import { templateProblems } from "../../stages/dispatch/template.js";
import { parseCondition, TqlSyntaxError } from "../../stages/workflow/index.js";
import { HttpError } from "../errors.js";
import { crudRoutes } from "./crud.js";

const resourceBody = {
  type: "object",
  required: ["name", "credentials"],
  additionalProperties: false,
  properties: {
    id: { type: "string", minLength: 1, maxLength: 128 },
    name: { type: "string", minLength: 1 },
    type: { type: "string", enum: ["webhook"] },
    enabled: { type: "boolean" },
    credentials: {
      type: "object",
      required: ["url"],
      properties: { url: { type: "string", pattern: "^https?://" } },
      additionalProperties: { type: "string" },
    },
  },
} as const;

const destinationBody = {
  type: "object",
  required: ["name", "resource"],
  additionalProperties: false,
  properties: {
    id: { type: "string", minLength: 1, maxLength: 128 },
    name: { type: "string", minLength: 1 },
    enabled: { type: "boolean" },
    resource: { type: "object", required: ["id"], properties: { id: { type: "string" } } },
    on_profile_change_only: { type: "boolean" },
    source: { type: ["object", "null"], required: ["id"], properties: { id: { type: "string" } } },
    event_type: { type: ["object", "null"], required: ["id"], properties: { id: { type: "string" } } },
    condition: { type: ["string", "null"] },
    mapping: {},
    destination: {
      type: "object",
      properties: {
        type: { type: "string", enum: ["webhook"] },
        init: {
          type: "object",
          additionalProperties: false,
          properties: {
            method: { type: "string", enum: ["POST", "PUT", "PATCH", "GET", "DELETE"] },
            headers: { type: "object", additionalProperties: { type: "string" } },
            timeout_ms: { type: "integer", minimum: 1, maximum: 120000 },
            max_attempts: { type: "integer", minimum: 1, maximum: 100 },
          },
        },
      },
    },
  },
} as const;

type ResourceInput = Omit<Resource, "id" | "type" | "enabled"> & {
  id?: string;
  type?: "webhook";
  enabled?: boolean;
};
type DestinationInput = Partial<Omit<Destination, "destination">> &
  Pick<Destination, "name" | "resource"> & {
    destination?: { type?: "webhook"; init?: Partial<Destination["destination"]["init"]> };
  };

/** Resources (credentials, shown redacted) and destinations bound to them. */
export function destinationRoutes(app: FastifyInstance, runtime: Runtime): void {
  const { resources, destinations } = runtime.config;
  const changed = () => runtime.configChanged();

  crudRoutes<Resource, ResourceInput>(app, {
    base: "/api/v1/resources",
    noun: "resource",
    collection: resources,
    body: resourceBody,
    build: (input, id) => ({
      id: id ?? input.id ?? newId(),
      name: input.name,
      type: "webhook",
      enabled: input.enabled ?? true,
      credentials: input.credentials,
    }),
    show: redactResource,
    blocksDelete: async (id) => {
      const users = (await destinations.list()).filter((d) => d.resource.id === id);
      return users.length === 0
        ? null
        : `Resource \`${id}\` is used by destination(s) ${users.map((d) => d.id).join(", ")}.`;
    },
    changed,
  });

  crudRoutes<Destination, DestinationInput>(app, {
    base: "/api/v1/destinations",
    noun: "destination",
    collection: destinations,
    body: destinationBody,
    build: async (input, id) => {
      if (!(await resources.get(input.resource.id))) {
        throw new HttpError(422, [
          {
            loc: ["body", "resource", "id"],
            msg: `unknown resource \`${input.resource.id}\``,
            type: "value_error.reference",
          },
        ]);
      }
      if (input.condition) {
        try {
          parseCondition(input.condition);
        } catch (error) {
          const position = error instanceof TqlSyntaxError ? error.position : undefined;
          throw new HttpError(422, [
            {
              loc: ["body", "condition"],
              msg: (error as Error).message,
              type: "value_error.condition",
              ...(position ? { position } : {}),
            },
          ]);
        }
      }
      const unsafe = templateProblems((input.mapping ?? null) as Json, ["body", "mapping"]);
      if (unsafe.length > 0) {
        throw new HttpError(
          422,
          unsafe.map((p) => ({ loc: p.loc, msg: p.msg, type: "value_error.path" })),
        );
      }
      const init = input.destination?.init ?? {};
      const destination: Destination = {
        id: id ?? input.id ?? newId(),
        name: input.name,
        enabled: input.enabled ?? true,
        resource: { id: input.resource.id },
        on_profile_change_only: input.on_profile_change_only ?? false,
        source: input.source ?? null,
        event_type: input.event_type ?? null,
        condition: input.condition ?? null,
        mapping: (input.mapping ?? { profile: "profile@id", event: "event@type" }) as Json,
        destination: {
          type: "webhook",
          init: {
            method: init.method ?? "POST",
            headers: init.headers ?? {},
            timeout_ms: init.timeout_ms ?? 10_000,
            max_attempts: init.max_attempts ?? 8,
          },
        },
      };
      return destination;
    },
    changed,
  });
}
