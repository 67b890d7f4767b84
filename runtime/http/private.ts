import swagger from "@fastify/swagger";
import Fastify, { type FastifyInstance } from "fastify";
import type { Runtime } from "../runtime.js";
import { installBearerAuth } from "./auth.js";
import { installErrorHandler } from "./errors.js";
import { frameworkErrors, MAX_ID_PARAM_LENGTH } from "./framework-errors.js";
import { installHealthRoutes } from "./health.js";
import { installInputLimits } from "./input-limits.js";
import { configRoutes } from "./routes/config.js";
import { dataRoutes } from "./routes/data.js";
import { deadLetterRoutes } from "./routes/dead-letters.js";
import { destinationRoutes } from "./routes/destinations.js";
import { statusRoutes } from "./routes/status.js";
import { throughputRoutes } from "./routes/throughput.js";
import { workflowRoutes } from "./routes/workflows.js";

const OPEN_ROUTES = new Set(["/healthz", "/healthcheck", "/readyz", "/stages", "/metrics", "/docs"]);

/** The private management API (port 8687); every route but health and docs needs the bearer token. */
export async function buildPrivateApp(runtime: Runtime, adminToken: string): Promise<FastifyInstance> {
  const app = Fastify({
    bodyLimit: runtime.settings.bodyLimitBytes,
    routerOptions: { maxParamLength: MAX_ID_PARAM_LENGTH },
    frameworkErrors,
    ajv: {
      customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: true },
    },
  });
  await app.register(swagger, {
    openapi: {
      info: { title: "Tracardi private API", version: "1.1.0" },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
      security: [{ bearer: [] }],
    },
  });
  installErrorHandler(app);
  runtime.metrics.requests().install(app, "private");
  installBearerAuth(app, adminToken, OPEN_ROUTES);
  installInputLimits(app, runtime.settings.jsonLimits);
  installHealthRoutes(app, runtime);
  app.get("/docs", { schema: { hide: true } }, async () => app.swagger());
  configRoutes(app, runtime);
  dataRoutes(app, runtime);
  deadLetterRoutes(app, runtime);
  destinationRoutes(app, runtime);
  statusRoutes(app, runtime);
  throughputRoutes(app, runtime);
  workflowRoutes(app, runtime);
  return app;
}
