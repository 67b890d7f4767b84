import type { FastifyInstance } from "fastify";
import type { Runtime } from "../../runtime.js";
import { describeError } from "../../supervision.js";
import { HttpError } from "../errors.js";

/** What runs and what waits: the answer to "I got a 200, where is my data?". */
export function statusRoutes(app: FastifyInstance, runtime: Runtime): void {
  app.get("/api/v1/status", async () => {
    // Each part is asked on its own: one that fails (a processing thread restarting, a queue that
    // does not answer) is reported as `{error}` in its place, never as a 500 for the whole answer.
    const [processing, stageReports, backlog, deadLetters, problems] = await Promise.all([
      part(() => runtime.processingStats()),
      part(() => runtime.stageReports()),
      part(() => runtime.queue.backlog()),
      part(() => runtime.queue.deadLetterCount()),
      part(() => runtime.backendProblems()),
    ]);
    const thread = runtime.processingThread();
    return {
      stages: "error" in processing ? [] : processing.value.stages,
      processing: {
        ...("error" in processing ? { error: processing.error } : {}),
        ...(thread === null ? {} : { thread }),
      },
      stageProgress: "error" in stageReports ? { error: stageReports.error } : stageReports.value.stages,
      stalls: "error" in stageReports ? [] : stageReports.value.stalls,
      workflow: runtime.settings.workflowEnabled
        ? { enabled: true }
        : {
            enabled: false,
            reason:
              "Workflows are switched off (TRACARDI_WORKFLOW_ENABLED=false): no workflow will be triggered.",
          },
      queue: {
        backlog: valueOrError(backlog),
        deadLetters: valueOrError(deadLetters),
      },
      pendingStateDocuments: "error" in processing ? null : processing.value.pendingDocuments,
      backends: {
        queue: runtime.settings.backends.queue.kind,
        store: runtime.settings.backends.store.kind,
        config: runtime.settings.backends.config.kind,
        problems: valueOrError(problems),
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
}

type Part<T> = { value: T } | { error: string };

async function part<T>(get: () => Promise<T>): Promise<Part<T>> {
  try {
    return { value: await get() };
  } catch (error) {
    return { error: describeError(error) };
  }
}

function valueOrError<T>(result: Part<T>): T | { error: string } {
  return "error" in result ? { error: result.error } : result.value;
}
