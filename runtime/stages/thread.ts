import { parentPort, workerData } from "node:worker_threads";
import type { RuntimeConfig } from "../config.js";
import { Runtime } from "../runtime.js";
import type { ThreadReply, ThreadRequest } from "./thread-protocol.js";

// The processing stages of a standalone runtime, on their own thread and SQLite connection, so
// intake keeps its core while events are processed.
const port = parentPort;
if (port === null) throw new Error("runtime/stages/thread.js must run as a worker thread");

const runtime = await Runtime.open(workerData as RuntimeConfig, "processing");
runtime.onProfilesMerged = () => port.postMessage({ type: "profiles-merged", id: 0 } satisfies ThreadReply);
runtime.onWorkflowOutput = (task, output) =>
  port.postMessage({ type: "workflow-output", id: 0, task, output } satisfies ThreadReply);
await runtime.startProcessing({ thread: false });

port.on("message", async (request: ThreadRequest) => {
  const reply = (message: ThreadReply) => port.postMessage(message);
  switch (request.type) {
    case "stats":
      reply({
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
      reply({ type: "stopped", id: request.id });
      port.close();
  }
});
port.postMessage({ type: "started", id: 0 } satisfies ThreadReply);
