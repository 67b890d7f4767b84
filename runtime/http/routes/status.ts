import type { FastifyInstance } from "fastify";
import type { Runtime } from "../../runtime.js";
import { describeError } from "../../supervision.js";
import { HttpError } from "../errors.js";

/** What runs and what waits: the answer to "I got a 200, where is my data?". */
export function statusRoutes(app: FastifyInstance, runtime: Runtime): void {
  app.get("/api/v1/status", async () => {
    // Each part is asked on its own: one that fails (a processing thread restarting, a queue that
    // does not answer) is reported as `{error}` in its place, never as a 500 for the whole answer.
    const [processing, stageReports, backlog, deadLetters, problems, merging, searchDisk] = await Promise.all(
      [
        part(() => runtime.processingStats()),
        part(() => runtime.stageReports()),
        part(() => runtime.queue.backlog()),
        part(() => runtime.queue.deadLetterCount()),
        part(() => runtime.backendProblems()),
        part(() => runtime.mergingStatus()),
        part(() => runtime.searchDisk()),
      ],
    );
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
      merging: valueOrError(merging),
      pendingStateDocuments: "error" in processing ? null : processing.value.pendingDocuments,
      backends: {
        queue: runtime.settings.backends.queue.kind,
        store: runtime.settings.backends.store.kind,
        config: runtime.settings.backends.config.kind,
        problems: valueOrError(problems),
        searchDisk: valueOrError(searchDisk),
      },
      license: runtime.license.state,
    };
  });

  // Without a body: a merge pass. With `{"profiles": [a, b, …]}`: a forced merge of exactly those
  // profiles (no merge rails), e.g. after checking a skip recorded in `metadata.system.aux.merge_skipped`.
  app.post<{ Body: unknown }>("/api/v1/merge", async (request) => {
    const body = request.body;
    if (
      body !== undefined &&
      body !== null &&
      !(typeof body === "object" && Object.keys(body).length === 0)
    ) {
      const profiles = forcedProfiles(body);
      for (const [i, id] of profiles.entries()) {
        const resolved = (await runtime.identity.resolveProfile(id)) ?? id;
        if (!(await runtime.data.getProfile(resolved)))
          throw new HttpError(422, [
            {
              loc: ["body", "profiles", i],
              msg: `no profile with id \`${id}\``,
              type: "value_error.missing",
            },
          ]);
      }
      await runtime.forceMerge(profiles);
      return { queued: 1, forced: profiles };
    }
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

/** `{"profiles": [...]}`: at least two distinct, non-empty profile ids. */
function forcedProfiles(body: unknown): string[] {
  const profiles = (body as { profiles?: unknown }).profiles;
  const valid =
    Array.isArray(profiles) &&
    profiles.every((id) => typeof id === "string" && id.trim() !== "") &&
    new Set(profiles).size >= 2;
  if (!valid)
    throw new HttpError(422, [
      {
        loc: ["body", "profiles"],
        msg: "a forced merge needs `profiles`: at least two distinct profile ids",
        type: "value_error",
      },
    ]);
  return [...new Set(profiles as string[])];
}
