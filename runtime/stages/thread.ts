import { parentPort, workerData } from "node:worker_threads";
import { useWriteTurns } from "../adapters/embedded/write-turns.js";
import { watchProcessErrors } from "../process-errors.js";
import { Runtime } from "../runtime.js";
import { describeError } from "../supervision.js";
import type { ProcessingThreadData } from "./processing-thread.js";
import type { ThreadReply, ThreadRequest } from "./thread-protocol.js";

// The processing stages of an API process (standalone, or the public API processing inline), on their
// own thread and SQLite connection, so intake keeps its core while events are processed.
const port = parentPort;
if (port === null) throw new Error("runtime/stages/thread.js must run as a worker thread");
const post = (message: ThreadReply) => port.postMessage(message);

// Rejections are logged and counted, and the thread goes on; an uncaught exception ends the thread,
// and the main thread logs it and starts a new one.
watchProcessErrors("processing", ["rejection"], (kind) => post({ type: "uncaught", id: 0, kind }));

const { settings, stages, writeTurns } = workerData as ProcessingThreadData;
useWriteTurns(writeTurns);
const runtime = await Runtime.open(settings, "processing");
runtime.onProfilesMerged = () => post({ type: "profiles-merged", id: 0 });
runtime.onWorkflowOutput = (task, output) => post({ type: "workflow-output", id: 0, task, output });
await runtime.startStages(stages);

port.on("message", async (request: ThreadRequest) => {
  try {
    switch (request.type) {
      case "stats":
        post({
          type: "stats",
          id: request.id,
          stats: await runtime.processingStats(),
          metrics: await runtime.metrics.registry.getMetricsAsJSON(),
        });
        return;
      case "config-changed":
        runtime.configChanged();
        return;
      case "stop":
        await runtime.close();
        post({ type: "stopped", id: request.id });
        port.close();
    }
  } catch (error) {
    if ("id" in request) post({ type: "failed", id: request.id, message: describeError(error) });
    else process.stderr.write(`processing thread: ${request.type} failed: ${describeError(error)}\n`);
  }
});
post({ type: "started", id: 0 });
