import type { FastifyInstance } from "fastify";
import { TOPICS, type Topic } from "../../ports/queue.js";
import type { Runtime } from "../../runtime.js";
import { HttpError } from "../errors.js";

/** What runs and what waits: the answer to "I got a 200, where is my data?". */
export function statusRoutes(app: FastifyInstance, runtime: Runtime): void {
  app.get("/api/v1/status", async () => {
    const processing = await runtime.processingStats();
    return {
      stages: processing.stages,
      workflow: runtime.settings.workflowEnabled
        ? { enabled: true }
        : {
            enabled: false,
            reason:
              "Workflows are switched off (TRACARDI_WORKFLOW_ENABLED=false): no workflow will be triggered.",
          },
      queue: {
        backlog: await runtime.queue.backlog(),
        deadLetters: await runtime.queue.deadLetterCount(),
      },
      pendingStateDocuments: processing.pendingDocuments,
      backends: {
        queue: runtime.settings.backends.queue.kind,
        store: runtime.settings.backends.store.kind,
        config: runtime.settings.backends.config.kind,
        problems: await runtime.backendProblems(),
      },
      license: runtime.license.state,
    };
  });

  app.post("/api/v1/merge", async () => {
    if (runtime.settings.mergeSalt === null) {
      throw new HttpError(
        409,
        "Auto profile merging is switched off (TRACARDI_AUTO_PROFILE_MERGING is empty).",
      );
    }
    return { queued: await runtime.mergePass() };
  });

  app.get<{ Querystring: { topic?: string; limit?: string } }>("/api/v1/dead-letters", async (request) => {
    const topic = request.query.topic;
    if (topic !== undefined && !TOPICS.includes(topic as Topic)) {
      throw new HttpError(422, [
        { loc: ["query", "topic"], msg: `must be one of ${TOPICS.join(", ")}`, type: "value_error.enum" },
      ]);
    }
    const items = await runtime.queue.deadLetters(topic as Topic | undefined, 100);
    return { total: items.length, items };
  });
}
