import type { FastifyInstance } from "fastify";
import { type Destination, type Resource, redactResource } from "../../domain/destination.js";
import { newId } from "../../domain/ids.js";
import type { Json } from "../../domain/types.js";
import type { Runtime } from "../../runtime.js";
import { parseCondition, TqlSyntaxError } from "../../stages/workflow/index.js";
import { HttpError } from "../errors.js";

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

/** Resources (credentials, shown redacted) and destinations bound to them; dead-letter replay. */
export function destinationRoutes(app: FastifyInstance, runtime: Runtime): void {
  const { resources, destinations } = runtime.config;

  app.get("/api/v1/resources", async () => {
    const items = (await resources.list()).map(redactResource);
    return { total: items.length, items };
  });
  app.get<{ Params: { id: string } }>("/api/v1/resources/:id", async (request) => {
    const resource = await resources.get(request.params.id);
    if (!resource) throw new HttpError(404, `No resource with id \`${request.params.id}\`.`);
    return redactResource(resource);
  });
  const saveResource = async (input: ResourceInput, id: string | null) => {
    const resource: Resource = {
      id: id ?? input.id ?? newId(),
      name: input.name,
      type: "webhook",
      enabled: input.enabled ?? true,
      credentials: input.credentials,
    };
    await resources.put(resource);
    runtime.configChanged();
    return redactResource(resource);
  };
  app.post<{ Body: ResourceInput }>(
    "/api/v1/resources",
    { schema: { body: resourceBody } },
    async (request, reply) => reply.code(201).send(await saveResource(request.body, null)),
  );
  app.put<{ Params: { id: string }; Body: ResourceInput }>(
    "/api/v1/resources/:id",
    { schema: { body: resourceBody } },
    async (request) => saveResource(request.body, request.params.id),
  );
  app.delete<{ Params: { id: string } }>("/api/v1/resources/:id", async (request, reply) => {
    const users = (await destinations.list()).filter((d) => d.resource.id === request.params.id);
    if (users.length > 0) {
      throw new HttpError(
        409,
        `Resource \`${request.params.id}\` is used by destination(s) ${users.map((d) => d.id).join(", ")}.`,
      );
    }
    if (!(await resources.delete(request.params.id)))
      throw new HttpError(404, `No resource with id \`${request.params.id}\`.`);
    runtime.configChanged();
    return reply.code(204).send();
  });

  app.get("/api/v1/destinations", async () => {
    const items = await destinations.list();
    return { total: items.length, items };
  });
  app.get<{ Params: { id: string } }>("/api/v1/destinations/:id", async (request) => {
    return (
      (await destinations.get(request.params.id)) ??
      Promise.reject(new HttpError(404, `No destination with id \`${request.params.id}\`.`))
    );
  });
  const saveDestination = async (input: DestinationInput, id: string | null) => {
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
    await destinations.put(destination);
    runtime.configChanged();
    return destination;
  };
  app.post<{ Body: DestinationInput }>(
    "/api/v1/destinations",
    { schema: { body: destinationBody } },
    async (request, reply) => reply.code(201).send(await saveDestination(request.body, null)),
  );
  app.put<{ Params: { id: string }; Body: DestinationInput }>(
    "/api/v1/destinations/:id",
    { schema: { body: destinationBody } },
    async (request) => saveDestination(request.body, request.params.id),
  );
  app.delete<{ Params: { id: string } }>("/api/v1/destinations/:id", async (request, reply) => {
    if (!(await destinations.delete(request.params.id)))
      throw new HttpError(404, `No destination with id \`${request.params.id}\`.`);
    runtime.configChanged();
    return reply.code(204).send();
  });

  app.post<{ Params: { id: string } }>("/api/v1/dead-letters/:id/replay", async (request) => {
    if (!(await runtime.queue.replayDeadLetter(request.params.id))) {
      throw new HttpError(404, `No dead letter with id \`${request.params.id}\`.`);
    }
    return { replayed: request.params.id };
  });
}
