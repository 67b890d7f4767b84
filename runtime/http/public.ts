import cors from "@fastify/cors";
import Fastify, { errorCodes, type FastifyInstance, type FastifyRequest } from "fastify";
import { isCrawler } from "../domain/bot.js";
import { normaliseEventType } from "../domain/ids.js";
import type { TrackerPayload } from "../domain/payload.js";
import type { BridgeType, JsonObject } from "../domain/types.js";
import type { Runtime } from "../runtime.js";
import { collect, storableHeaders } from "../stages/collect/accept.js";
import { MAX_ID_LENGTH, trackerPayloadSchema, trackResponseSchema } from "../stages/collect/schema.js";
import { countRejections, HttpError, installErrorHandler } from "./errors.js";
import { frameworkErrors, MAX_ID_PARAM_LENGTH } from "./framework-errors.js";
import { installHealthRoutes } from "./health.js";
import { installInputLimits } from "./input-limits.js";

/** The public collection API (port 8686): `/track`, `/collect/…`, health and metrics. */
export async function buildPublicApp(runtime: Runtime): Promise<FastifyInstance> {
  const settings = runtime.settings;
  const app = Fastify({
    bodyLimit: settings.bodyLimitBytes,
    trustProxy: true,
    routerOptions: { maxParamLength: MAX_ID_PARAM_LENGTH },
    // Answered by the router before any hook runs, so CORS is added here.
    frameworkErrors: (error, request, reply) => {
      reply.header("access-control-allow-origin", "*");
      frameworkErrors(error, request, reply);
    },
    ajv: {
      customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false },
    },
  });
  await app.register(cors, {
    origin: "*",
    methods: ["GET", "POST", "PUT", "DELETE", "OPTIONS"],
    maxAge: 600,
  });
  installErrorHandler(app);
  runtime.metrics.requests().install(app, "public");
  app.decorateRequest("bodyJson", null);
  installInputLimits(app, settings.jsonLimits);
  installHealthRoutes(app, runtime);

  const triggersWorkflows = async (payload: TrackerPayload): Promise<boolean> => {
    if (!settings.workflowEnabled || !runtime.processesInline) return false;
    const config = await runtime.configCache.current();
    // Only flows that can add to the response are worth waiting for.
    return payload.events.some((e) =>
      config
        .workflowsFor(payload.source.id.trim(), normaliseEventType(e.type))
        .some((job) => job.flow.nodes.some((n) => n.type === "create-response")),
    );
  };

  const accept = async (
    request: { ip: string; headers: Record<string, string | string[] | undefined>; bodyJson: string | null },
    payload: TrackerPayload,
    bridge: BridgeType,
    profileLess: boolean,
  ) => {
    const userAgent = request.headers["user-agent"];
    if (settings.disallowBotTraffic && typeof userAgent === "string" && isCrawler(userAgent)) {
      throw new HttpError(401, "Traffic from bot is not allowed.", "bot");
    }
    const result = await collect(
      {
        payload,
        payloadJson: bridge === "rest" ? request.bodyJson : null,
        bridge,
        profileLess,
        ip: request.ip,
        headers: storableHeaders(request.headers),
      },
      { sources: runtime.sources, identity: runtime.identity, queue: runtime.queue },
    );
    if (result.kind === "rejected") throw new HttpError(401, result.reason, "source");
    runtime.metrics.payloadsAccepted.inc();
    runtime.metrics.eventsAccepted.inc(payload.events.length);
    if (result.response !== null && (await triggersWorkflows(payload))) {
      // Inline processing: the payload is already durable; wait a little for what its workflows say.
      const output = await runtime.workflowResults.wait(
        result.response.task,
        settings.inlineWorkflowTimeoutMs,
      );
      if (output) Object.assign(result.response, { response: output.response, ux: output.ux });
    }
    return result.response;
  };

  const track = async (routes: FastifyInstance) => {
    acceptTrackerBodies(routes);
    routes.post<{ Body: TrackerPayload; Querystring: { profile_less?: string } }>(
      "/track",
      {
        schema: {
          body: trackerPayloadSchema(settings.maxEventsPerPayload),
          response: { 200: trackResponseSchema },
        },
      },
      async (request) => {
        const profileLess = request.body.profile_less === true || request.query.profile_less === "true";
        return accept(request, request.body, "rest", profileLess);
      },
    );
  };

  // Webhook bridge (tracardi.md §1.1): the body or the query string becomes one event's properties.
  const webhook = async (request: {
    ip: string;
    headers: Record<string, string | string[] | undefined>;
    bodyJson: string | null;
    method: string;
    body: unknown;
    query: unknown;
    params: { event_type: string; source_id: string; session_id?: string };
  }) => {
    const { event_type, source_id, session_id } = request.params;
    const properties = request.method === "GET" ? toProperties(request.query) : toProperties(request.body);
    const payload: TrackerPayload = {
      source: { id: source_id },
      session: session_id ? { id: session_id } : null,
      events: [{ type: event_type, properties }],
      options: session_id ? {} : { saveSession: false },
    };
    if (event_type.trim() === "") throw new HttpError(422, "Event type can not be empty");
    return accept(request, payload, "webhook", session_id === undefined);
  };
  const collectRoutes = async (routes: FastifyInstance) => {
    acceptWebhookBodies(routes);
    for (const path of ["/collect/:event_type/:source_id", "/collect/:event_type/:source_id/:session_id"]) {
      const options = { schema: { params: collectParamsSchema } };
      routes.get(path, options, (request) => webhook(request as Parameters<typeof webhook>[0]));
      routes.post(path, options, (request) => webhook(request as Parameters<typeof webhook>[0]));
    }
  };

  // Each payload route parses the bodies its bridge takes (an encapsulated context each); both count
  // what they refuse, in one place.
  await app.register(async (payloadRoutes) => {
    countRejections(payloadRoutes, (reason) => runtime.metrics.payloadsRejected.inc({ reason }));
    await payloadRoutes.register(track);
    await payloadRoutes.register(collectRoutes);
  });
  return app;
}

/** Ids in a `/collect` path follow the `/track` rule: at most MAX_ID_LENGTH characters. */
const collectParamsSchema = {
  type: "object",
  properties: {
    event_type: { type: "string", maxLength: MAX_ID_LENGTH },
    source_id: { type: "string", maxLength: MAX_ID_LENGTH },
    session_id: { type: "string", maxLength: MAX_ID_LENGTH },
  },
} as const;

function toProperties(value: unknown): JsonObject {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) return value as JsonObject;
  if (typeof value === "string" && value !== "") return { body: value };
  if (value === undefined || value === null || value === "") return {};
  return { body: value as JsonObject[keyof JsonObject] };
}

const InvalidJsonError = errorCodes.FST_ERR_CTP_INVALID_JSON_BODY;
const UnsupportedMediaTypeError = errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE;

declare module "fastify" {
  interface FastifyRequest {
    /** The body's JSON text, when the body was parsed from JSON. */
    bodyJson: string | null;
  }
}

/**
 * `/track` takes JSON, as `application/json`, as `text/plain` (sendBeacon) or without a content type
 * (as FastAPI does); any other content type is answered 415. JSON is parsed as fastify does (prototype
 * poisoning refused) and its text kept on the request.
 */
function acceptTrackerBodies(routes: FastifyInstance): void {
  const parseJson = jsonParser(routes);
  routes.removeAllContentTypeParsers();
  routes.addContentTypeParser(["application/json", "text/plain"], { parseAs: "string" }, parseJson);
  // The catch-all also gets bodies that come without a content type.
  routes.addContentTypeParser("*", { parseAs: "string" }, (request, body, done) => {
    const type = request.headers["content-type"];
    if (type === undefined) return parseJson(request, body, done);
    done(new UnsupportedMediaTypeError(type), undefined);
  });
}

/**
 * `/collect` takes any body, as Tracardi's webhook bridge does: JSON as above, forms as objects, text
 * that holds a JSON object (sendBeacon) as that object, and anything else as text.
 */
function acceptWebhookBodies(routes: FastifyInstance): void {
  const parseJson = jsonParser(routes);
  routes.removeAllContentTypeParsers();
  routes.addContentTypeParser("application/json", { parseAs: "string" }, parseJson);
  routes.addContentTypeParser(
    "application/x-www-form-urlencoded",
    { parseAs: "string" },
    (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    },
  );
  routes.addContentTypeParser(["text/plain", "*"], { parseAs: "string" }, (request, body, done) => {
    const text = jsonText(body as string);
    if (text === null || !text.trimStart().startsWith("{")) return done(null, body);
    parseJson(request, text, (error, parsed) => done(null, error ? body : parsed));
  });
}

type BodyParser = (
  request: FastifyRequest,
  body: string | Buffer,
  done: (error: Error | null, body?: unknown) => void,
) => void;

/** Fastify's JSON parser over the text `jsonText` keeps, which it leaves on `request.bodyJson`. */
function jsonParser(routes: FastifyInstance): BodyParser {
  const parseJson = routes.getDefaultJsonParser("error", "error");
  return (request, body, done) => {
    const text = jsonText(body as string);
    if (text === null) return done(new InvalidJsonError(), undefined);
    parseJson(request, text, (error, parsed) => {
      if (!error) request.bodyJson = text;
      done(error, parsed);
    });
  };
}

/**
 * The text JSON.parse gets from fastify's parser, or null when that is not JSON: secure-json-parse
 * drops one leading byte-order mark (so is this) and parses the rest, where a second one is an error.
 * Keeping exactly that string makes the queued text the very text that was parsed, checked for
 * `__proto__`/`constructor` keys, limited and validated; the collector's JSON.parse of it gives the
 * same value (JSON.parse is deterministic, also for duplicate keys and escapes).
 */
function jsonText(body: string): string | null {
  const text = body.charCodeAt(0) === 0xfeff ? body.slice(1) : body;
  return text.charCodeAt(0) === 0xfeff ? null : text;
}
