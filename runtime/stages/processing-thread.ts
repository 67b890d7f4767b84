import { Worker } from "node:worker_threads";
import type { MetricObjectWithValues, MetricValue } from "prom-client";
import type { RuntimeConfig } from "../config.js";
import type { WorkflowResults } from "./process/workflow-results.js";
import type { ProcessingStats, ThreadReply, ThreadRequest } from "./thread-protocol.js";

type Metrics = MetricObjectWithValues<MetricValue<string>>[];

/** The main thread's handle on the processing thread (runtime/stages/thread.ts). */
export class ProcessingThread {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly waiting = new Map<number, (reply: ThreadReply) => void>();
  private stopping = false;

  private constructor(
    settings: RuntimeConfig,
    private readonly results: WorkflowResults,
    private readonly onMerged: () => void,
    started: () => void,
    failed: (error: Error) => void,
  ) {
    this.worker = new Worker(new URL("./thread.js", import.meta.url), { workerData: settings });
    this.worker.on("message", (reply: ThreadReply) => {
      if (reply.type === "started") return started();
      if (reply.type === "workflow-output") return this.results.deliver(reply.task, reply.output);
      if (reply.type === "profiles-merged") return this.onMerged();
      this.waiting.get(reply.id)?.(reply);
      this.waiting.delete(reply.id);
    });
    this.worker.on("error", (error) => {
      failed(error);
      // A processing failure must not be silent: the queue keeps the data, but nothing moves.
      if (!this.stopping) process.stderr.write(`processing thread failed: ${error.stack ?? error.message}\n`);
    });
  }

  static start(
    settings: RuntimeConfig,
    results: WorkflowResults,
    onMerged: () => void,
  ): Promise<ProcessingThread> {
    return new Promise((resolve, reject) => {
      const thread: ProcessingThread = new ProcessingThread(
        settings,
        results,
        onMerged,
        () => resolve(thread),
        reject,
      );
    });
  }

  async stats(): Promise<{ stats: ProcessingStats; metrics: Metrics }> {
    const reply = await this.request({ type: "stats", id: this.nextId++ });
    if (reply.type !== "stats") throw new Error(`unexpected reply ${reply.type}`);
    return { stats: reply.stats, metrics: reply.metrics };
  }

  configChanged(): void {
    this.send({ type: "config-changed" });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const exited = new Promise((resolve) => this.worker.once("exit", resolve));
    await this.request({ type: "stop", id: this.nextId++ }).catch(() => undefined);
    await exited;
  }

  private request(message: ThreadRequest & { id: number }): Promise<ThreadReply> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(message.id);
        reject(new Error("processing thread did not answer"));
      }, 5000);
      this.waiting.set(message.id, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      this.send(message);
    });
  }

  private send(message: ThreadRequest): void {
    this.worker.postMessage(message);
  }
}
