import type { FastifyInstance } from "fastify";
import type { Runtime } from "../runtime.js";

/** `/healthz` (alive), `/readyz` (can accept), `/metrics` (Prometheus), `/healthcheck` (Tracardi). */
export function installHealthRoutes(app: FastifyInstance, runtime: Runtime): void {
  const alive = async () => ({ status: "ok" });
  app.get("/healthz", alive);
  app.get("/healthcheck", alive);
  app.get("/readyz", async (_request, reply) => {
    const problems = await runtime.backendProblems();
    if (problems.length > 0) {
      return reply.code(503).send({ status: "not-ready", reason: problems.join("; "), problems });
    }
    const backlog = await runtime.queue.backlog();
    const full = Object.entries(backlog).filter(([, n]) => n >= runtime.settings.maxBacklog);
    if (full.length > 0) {
      return reply
        .code(503)
        .send({ status: "not-ready", reason: `queue full: ${full.map(([t]) => t).join(", ")}`, backlog });
    }
    return { status: "ready", backlog };
  });
  app.get("/metrics", async (_request, reply) => {
    reply.header("content-type", runtime.metrics.registry.contentType);
    return runtime.metricsText();
  });
}
