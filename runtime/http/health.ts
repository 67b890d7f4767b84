import type { FastifyInstance } from "fastify";
import type { Runtime } from "../runtime.js";
import { describeError } from "../supervision.js";

/**
 * `/healthz` (alive), `/readyz` (can accept), `/metrics` (Prometheus), `/healthcheck` (Tracardi),
 * `/stages` (the pipeline stages this process runs).
 */
export function installHealthRoutes(app: FastifyInstance, runtime: Runtime): void {
  const alive = async () => ({ status: "ok" });
  app.get("/healthz", alive);
  app.get("/healthcheck", alive);
  app.get("/readyz", async (_request, reply) => {
    const problems = (await runtime.readinessProblems()).map((p) => p.detail);
    if (problems.length > 0) {
      return reply.code(503).send({ status: "not-ready", reason: problems.join("; "), problems });
    }
    let backlog: Awaited<ReturnType<typeof runtime.queue.backlog>>;
    try {
      backlog = await runtime.queue.backlog();
    } catch (error) {
      const reason = `queue: ${describeError(error)}`;
      return reply.code(503).send({ status: "not-ready", reason, problems: [reason] });
    }
    const full = Object.entries(backlog).filter(([, n]) => n >= runtime.settings.maxBacklog);
    if (full.length > 0) {
      return reply
        .code(503)
        .send({ status: "not-ready", reason: `queue full: ${full.map(([t]) => t).join(", ")}`, backlog });
    }
    return { status: "ready", backlog };
  });
  app.get("/stages", async (_request, reply) => {
    try {
      return { stages: (await runtime.processingStats()).stages };
    } catch (error) {
      // The processing thread is restarting: say so rather than answer an empty list.
      return reply.code(503).send({ detail: `processing thread: ${describeError(error)}` });
    }
  });
  app.get("/metrics", async (_request, reply) => {
    reply.header("content-type", runtime.metrics.registry.contentType);
    return runtime.metricsText();
  });
}
