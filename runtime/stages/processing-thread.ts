import { Worker } from "node:worker_threads";
import type { MetricObjectWithValues, MetricValue } from "prom-client";
import { shareWriteTurns } from "../adapters/embedded/write-turns.js";
import type { RuntimeConfig } from "../config.js";
import type { PipelineStage } from "../processes.js";
import { CrashHistory, type RestartPolicy } from "../supervision.js";
import type { WorkflowResults } from "./process/workflow-results.js";
import type { ProcessingStats, ThreadReply, ThreadRequest, UncaughtKind } from "./thread-protocol.js";

type Metrics = MetricObjectWithValues<MetricValue<string>>[];

/** What the handle needs of a worker thread (a stub in unit tests). */
export interface ThreadWorker {
  on(event: "message", listener: (reply: ThreadReply) => void): unknown;
  on(event: "error", listener: (error: Error) => void): unknown;
  on(event: "exit", listener: (code: number) => void): unknown;
  postMessage(message: ThreadRequest): void;
  terminate(): Promise<number>;
}

export interface ProcessingThreadOptions {
  spawn: () => ThreadWorker;
  results: WorkflowResults;
  onMerged: () => void;
  restarts: RestartPolicy;
  /** The thread crashed (an uncaught exception, or it exited); it starts again after `restartInMs`. */
  onCrash: (error: Error, restartInMs: number) => void;
  /** The thread reported an unhandled rejection (it logs it itself). */
  onUncaught: (kind: UncaughtKind) => void;
}

/** Whether the thread runs now, and its recent crashes (for the status endpoint). */
export interface ProcessingThreadState {
  state: "running" | "restarting";
  crashesInWindow: number;
  lastCrash: { at: string; message: string } | null;
}

/** What the processing thread starts with: the settings and the stages it runs. */
export interface ProcessingThreadData {
  settings: RuntimeConfig;
  stages: readonly PipelineStage[];
  /** Turns at the shared SQLite file's write lock with this process's intake. */
  writeTurns: SharedArrayBuffer;
}

/** The worker thread of an API process's processing stages (runtime/stages/thread.ts). */
export function processingWorker(settings: RuntimeConfig, stages: readonly PipelineStage[]): ThreadWorker {
  const data: ProcessingThreadData = { settings, stages, writeTurns: shareWriteTurns() };
  // The process's command line too: the thread names its process by it (the monitoring log).
  return new Worker(new URL("./thread.js", import.meta.url), {
    workerData: data,
    argv: process.argv.slice(2),
  });
}

/**
 * The main thread's handle on the processing thread. A thread that crashes is started again after a
 * backoff that grows with its crashes in the policy's window; `problem` reports it once it crashed
 * `maxRestarts` times in that window. The first start is not retried: a thread that cannot start
 * (a backend unreachable) fails the process, as the main thread would.
 */
export class ProcessingThread {
  private worker: ThreadWorker | null = null;
  private up = false;
  private nextId = 1;
  private readonly waiting = new Map<number, (reply: ThreadReply | Error) => void>();
  private stopping = false;
  private stopped: (() => void) | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private readonly crashes: CrashHistory;
  private firstStart: { resolve: () => void; reject: (error: Error) => void } | null;

  private constructor(
    private readonly options: ProcessingThreadOptions,
    firstStart: { resolve: () => void; reject: (error: Error) => void },
  ) {
    this.crashes = new CrashHistory(options.restarts);
    this.firstStart = firstStart;
    this.launch();
  }

  static start(options: ProcessingThreadOptions): Promise<ProcessingThread> {
    return new Promise((resolve, reject) => {
      const thread: ProcessingThread = new ProcessingThread(options, {
        resolve: () => resolve(thread),
        reject,
      });
    });
  }

  async stats(): Promise<{ stats: ProcessingStats; metrics: Metrics }> {
    const reply = await this.request({ type: "stats", id: this.nextId++ });
    if (reply.type !== "stats") throw new Error(`unexpected reply ${reply.type}`);
    return { stats: reply.stats, metrics: reply.metrics };
  }

  configChanged(): void {
    // A thread that is restarting reads the configuration afresh when it starts.
    if (this.up) this.worker?.postMessage({ type: "config-changed" });
  }

  /** Crashing too often (`maxRestarts` in the window): a stable summary and the last crash. */
  problem(now = Date.now()): { summary: string; detail: string } | null {
    const summary = this.crashes.problem("processing thread", now);
    if (summary === null) return null;
    const last = this.crashes.last;
    return { summary, detail: last ? `${summary}; last crash: ${last.message}` : summary };
  }

  state(now = Date.now()): ProcessingThreadState {
    const last = this.crashes.last;
    return {
      state: this.up ? "running" : "restarting",
      crashesInWindow: this.crashes.recent(now),
      lastCrash: last ? { at: new Date(last.at).toISOString(), message: last.message } : null,
    };
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    if (this.worker === null) return;
    const exited = new Promise<void>((resolve) => {
      this.stopped = resolve;
    });
    // A thread still starting cannot be asked to stop its stages: it has none running yet.
    if (this.up) await this.request({ type: "stop", id: this.nextId++ }).catch(() => undefined);
    else await this.worker.terminate();
    await exited;
  }

  private launch(): void {
    this.restartTimer = null;
    const worker = this.options.spawn();
    this.worker = worker;
    let ended = false;
    const end = (error: Error) => {
      if (ended) return;
      ended = true;
      this.ended(error);
    };
    worker.on("message", (reply) => this.received(reply));
    // An uncaught exception in the thread comes as "error", followed by "exit".
    worker.on("error", end);
    worker.on("exit", (code) => end(new Error(`processing thread exited with code ${code}`)));
  }

  private received(reply: ThreadReply): void {
    switch (reply.type) {
      case "started":
        this.up = true;
        this.firstStart?.resolve();
        this.firstStart = null;
        return;
      case "workflow-output":
        this.options.results.deliver(reply.task, reply.output);
        return;
      case "profiles-merged":
        this.options.onMerged();
        return;
      case "uncaught":
        this.options.onUncaught(reply.kind);
        return;
      default:
        this.waiting.get(reply.id)?.(reply);
        this.waiting.delete(reply.id);
    }
  }

  private ended(error: Error): void {
    this.up = false;
    this.worker = null;
    for (const answer of this.waiting.values())
      answer(new Error(`processing thread stopped: ${error.message}`));
    this.waiting.clear();
    if (this.stopping) {
      this.stopped?.();
      return;
    }
    if (this.firstStart) {
      this.firstStart.reject(error);
      this.firstStart = null;
      return;
    }
    // The queue keeps the data, but nothing moves until the thread runs again.
    const delay = this.crashes.crashed(Date.now(), error);
    this.options.onCrash(error, delay);
    this.restartTimer = setTimeout(() => this.launch(), delay);
  }

  private request(message: ThreadRequest & { id: number }): Promise<ThreadReply> {
    const worker = this.worker;
    if (worker === null || !this.up) {
      const last = this.crashes.last;
      return Promise.reject(
        new Error(`processing thread is restarting${last ? ` after a crash: ${last.message}` : ""}`),
      );
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(message.id);
        reject(new Error("processing thread did not answer within 5 s"));
      }, 5000);
      this.waiting.set(message.id, (reply) => {
        clearTimeout(timer);
        if (reply instanceof Error) reject(reply);
        else if (reply.type === "failed") reject(new Error(reply.message));
        else resolve(reply);
      });
      worker.postMessage(message);
    });
  }
}
