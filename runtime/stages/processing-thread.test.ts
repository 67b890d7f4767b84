import { EventEmitter } from "node:events";
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { eventually } from "../test/harness.js";
import { WorkflowResults } from "./process/workflow-results.js";
import { ProcessingThread, type ProcessingThreadOptions, type ThreadWorker } from "./processing-thread.js";
import type { ProcessingStats, ThreadReply, ThreadRequest } from "./thread-protocol.js";

const STATS: ProcessingStats = { stages: ["collector"], pendingDocuments: 0, progress: [] };

/** A worker thread that starts, answers stats, and crashes when told to. */
class StubWorker extends EventEmitter implements ThreadWorker {
  terminated = false;

  constructor(startsFine = true) {
    super();
    setImmediate(() => {
      if (startsFine) this.reply({ type: "started", id: 0 });
      else this.crash(new Error("cannot open the queue"));
    });
  }

  postMessage(message: ThreadRequest): void {
    if (message.type === "stats") this.reply({ type: "stats", id: message.id, stats: STATS, metrics: [] });
    if (message.type === "stop") {
      this.reply({ type: "stopped", id: message.id });
      setImmediate(() => this.emit("exit", 0));
    }
  }

  async terminate(): Promise<number> {
    this.terminated = true;
    setImmediate(() => this.emit("exit", 1));
    return 1;
  }

  crash(error: Error): void {
    this.emit("error", error);
    this.emit("exit", 1);
  }

  private reply(reply: ThreadReply): void {
    setImmediate(() => this.emit("message", reply));
  }
}

function options(workers: StubWorker[], crashes: string[], extra: Partial<ProcessingThreadOptions> = {}) {
  return {
    spawn: () => {
      const worker = new StubWorker();
      workers.push(worker);
      return worker;
    },
    results: new WorkflowResults(),
    onMerged: () => {},
    restarts: { maxRestarts: 3, windowMs: 60_000, baseDelayMs: 1, maxDelayMs: 5 },
    onCrash: (error: Error, delay: number) => crashes.push(`${error.message} (${delay} ms)`),
    onUncaught: () => {},
    ...extra,
  } satisfies ProcessingThreadOptions;
}

describe("ProcessingThread", () => {
  it("starts a crashed thread again with growing backoff and answers while it runs", async () => {
    const workers: StubWorker[] = [];
    const crashes: string[] = [];
    const thread = await ProcessingThread.start(options(workers, crashes));
    expect((await thread.stats()).stats).toEqual(STATS);

    workers[0]?.crash(new Error("Unexpected token"));
    // Until the new thread runs, requests fail at once with the reason instead of waiting.
    await expect(thread.stats()).rejects.toThrow(/restarting after a crash: Unexpected token/);
    expect(thread.state().state).toBe("restarting");
    await eventually(async () => expect((await thread.stats()).stats).toEqual(STATS));
    expect(workers).toHaveLength(2);
    expect(thread.state()).toMatchObject({
      state: "running",
      crashesInWindow: 1,
      lastCrash: { message: "Unexpected token" },
    });

    await eventually(async () => expect(thread.state().state).toBe("running"));
    workers[1]?.crash(new Error("again"));
    await eventually(async () => expect(workers).toHaveLength(3));
    expect(crashes).toEqual(["Unexpected token (1 ms)", "again (2 ms)"]);
    expect(thread.problem()).toBeNull();
    await thread.stop();
  });

  it("reports the thread once it crashed maxRestarts times in the window, with the last crash", async () => {
    const workers: StubWorker[] = [];
    const crashes: string[] = [];
    const thread = await ProcessingThread.start(options(workers, crashes));
    for (let i = 1; i <= 3; i++) {
      await eventually(async () => expect(thread.state().state).toBe("running"));
      workers.at(-1)?.crash(new Error(`crash ${i}`));
    }
    expect(thread.problem()).toEqual({
      summary: "processing thread crashed 3 or more times in 1 minute",
      detail: "processing thread crashed 3 or more times in 1 minute; last crash: crash 3",
    });
    // It keeps being restarted.
    await eventually(async () => expect((await thread.stats()).stats).toEqual(STATS));
    await thread.stop();
  });

  it("counts an exit without an error as a crash", async () => {
    const workers: StubWorker[] = [];
    const crashes: string[] = [];
    const thread = await ProcessingThread.start(options(workers, crashes));
    workers[0]?.emit("exit", 0);
    await eventually(async () => expect(workers).toHaveLength(2));
    expect(crashes).toEqual(["processing thread exited with code 0 (1 ms)"]);
    await thread.stop();
  });

  it("fails the start when the first thread cannot start, without restarting it", async () => {
    const crashes: string[] = [];
    let spawned = 0;
    const start = ProcessingThread.start(
      options([], crashes, {
        spawn: () => {
          spawned++;
          return new StubWorker(false);
        },
      }),
    );
    await expect(start).rejects.toThrow("cannot open the queue");
    expect(spawned).toBe(1);
    expect(crashes).toEqual([]);
  });

  it("stops at once while a restart waits", async () => {
    const workers: StubWorker[] = [];
    const thread = await ProcessingThread.start(
      options(workers, [], {
        restarts: { maxRestarts: 3, windowMs: 60_000, baseDelayMs: 60_000, maxDelayMs: 60_000 },
      }),
    );
    workers[0]?.crash(new Error("boom"));
    // The restart waits a minute: stopping now must not wait for it.
    await thread.stop();
    expect(workers).toHaveLength(1);
  });
});

describe("ProcessingThread on a real worker thread", () => {
  it("starts a thread again after an uncaught exception in it", async () => {
    // Answers stats; a config change makes it throw outside any handler, as a stage bug would.
    const code = `
      const { parentPort } = require("node:worker_threads");
      parentPort.on("message", (m) => {
        if (m.type === "stats") parentPort.postMessage({ type: "stats", id: m.id, stats: { stages: [], pendingDocuments: 0, progress: [] }, metrics: [] });
        if (m.type === "config-changed") setImmediate(() => { throw new SyntaxError("Unexpected token in JSON"); });
        if (m.type === "stop") { parentPort.postMessage({ type: "stopped", id: m.id }); parentPort.close(); }
      });
      parentPort.postMessage({ type: "started", id: 0 });`;
    let spawned = 0;
    const crashes: string[] = [];
    const thread = await ProcessingThread.start(
      options([], crashes, {
        spawn: () => {
          spawned++;
          return new Worker(code, { eval: true });
        },
      }),
    );
    thread.configChanged();
    await eventually(async () => expect(crashes).toEqual(["Unexpected token in JSON (1 ms)"]));
    await eventually(async () => expect((await thread.stats()).stats.stages).toEqual([]));
    expect(spawned).toBe(2);
    await thread.stop();
  });
});
