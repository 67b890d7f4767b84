import { type Backends, openBackends } from "./adapters/backends.js";
import { guardedHttp } from "./adapters/http/guarded-client.js";
import type { RuntimeConfig } from "./config.js";
import { ignoredValues } from "./domain/merge-keys.js";
import { RuntimeMetrics, type ThreadMetrics } from "./http/metrics.js";
import { LicenseGate, type LicenseState } from "./license-gate.js";
import { MonitoringLog, processName } from "./monitoring/monitoring-log.js";
import type { HttpClient } from "./ports/http.js";
import type { LogLevel } from "./ports/monitoring-log.js";
import type { BatchHandler, ConsumeOptions, Outcome, Queue, Subscription, Topic } from "./ports/queue.js";
import type { ConfigStore, DataStore, IdentityIndex } from "./ports/store.js";
import type { PipelineStage } from "./processes.js";
import { SourceVerifier } from "./stages/collect/sources.js";
import { tqlConditionCheck } from "./stages/dispatch/conditions.js";
import { planDispatch } from "./stages/dispatch/plan.js";
import { dispatchStage } from "./stages/dispatch/stage.js";
import { deliverWebhook } from "./stages/dispatch/webhook.js";
import { forceMerge, mergePass } from "./stages/merge/pass.js";
import { type MergingStatus, mergingStatus, recordMergePass } from "./stages/merge/status.js";
import { collectorStage } from "./stages/process/collector.js";
import { ConfigCache } from "./stages/process/config-cache.js";
import { PendingState } from "./stages/process/state.js";
import { EventValidator } from "./stages/process/validation.js";
import { type WorkflowOutput, WorkflowResults } from "./stages/process/workflow-results.js";
import {
  ProcessingThread,
  type ProcessingThreadState,
  processingWorker,
} from "./stages/processing-thread.js";
import {
  describeStall,
  findStalls,
  type StageProgress,
  StageProgressBook,
  type Stall,
} from "./stages/progress.js";
import { storageStage } from "./stages/store/storage.js";
import type { ProcessingStats } from "./stages/thread-protocol.js";
import { describeError, errorStack } from "./supervision.js";

/** How often (and after how long) a collector without a local storage stage sweeps its pending state. */
const PENDING_SWEEP_MS = 5000;

/**
 * Something that keeps this process from being ready: `summary` is logged, `detail` is for `/readyz`.
 * A `backend` problem is a server this process cannot use (the operator reports those lines in
 * `BackendsReachable`); a `pipeline` problem is this process's own processing (a stalled stage, a
 * crashing processing thread), logged with its own prefix so it is never taken for a lost connection.
 */
export interface ReadinessProblem {
  kind: "backend" | "pipeline";
  summary: string;
  detail: string;
}

/** A consuming stage as the status endpoint shows it. */
export interface StageReport {
  stage: string;
  topic: string;
  oldestWaitingSeconds: number | null;
  lastSettledAt: string | null;
  lastError: { message: string; at: string } | null;
  stalled: boolean;
}

/** The wired runtime: adapters chosen here (the composition root), stages started on demand. */
export class Runtime {
  readonly queue: Queue;
  readonly identity: IdentityIndex;
  readonly data: DataStore;
  readonly config: ConfigStore;
  readonly sources: SourceVerifier;
  readonly state: PendingState;
  readonly configCache: ConfigCache;
  readonly validator = new EventValidator();
  readonly metrics: RuntimeMetrics;
  readonly license: LicenseGate;
  /** Major events (backend problems, stage errors, dead letters, licence, merges) for `/api/v1/logs`. */
  readonly monitoring: MonitoringLog;
  private readonly subscriptions: Subscription[] = [];
  private readonly running = new Set<string>();
  private thread: ProcessingThread | null = null;
  private readonly shutdown = new AbortController();
  /** Progress and last error of each stage this process (or thread) consumes. */
  private readonly progress = new StageProgressBook();
  /** Outbound HTTP of remote-call nodes and webhooks, refusing inside addresses unless allowed. */
  private readonly http: HttpClient;
  /** `/track` requests waiting for what workflows produce for their payload. */
  readonly workflowResults = new WorkflowResults();
  /** Where the collector reports workflow output: here, or the main thread when this is the processing thread. */
  onWorkflowOutput: (task: string, output: WorkflowOutput) => void = (task, output) =>
    this.workflowResults.deliver(task, output);
  /** Called after this process merged profiles (the processing thread tells the main thread). */
  onProfilesMerged: () => void = () => {};

  private constructor(
    readonly settings: RuntimeConfig,
    private readonly backends: Backends,
    role: "intake" | "processing",
  ) {
    this.queue = backends.queue;
    this.identity = backends.identity;
    this.data = backends.data;
    this.config = backends.config;
    this.sources = new SourceVerifier(this.config.sources, settings.sourceCacheTtlMs);
    this.state = new PendingState(this.data);
    this.configCache = new ConfigCache(this.config, 1000);
    this.metrics = new RuntimeMetrics(role === "intake" ? this.queue : null);
    this.http = guardedHttp({ allowPrivate: settings.httpAllowPrivate });
    this.monitoring = new MonitoringLog(
      backends.log,
      processName(role === "processing" ? "processing thread" : undefined),
      settings.logRetentionDays,
    );
    this.monitoring.start();
    this.license = new LicenseGate(settings.licenseKey, settings.licensePublicKey, (state) => {
      process.stderr.write(`licence: ${state.status}: ${state.message}\n`);
      this.recordLicence(state);
    });
    this.license.watch();
    // A licence that is not valid at start is worth a line too (the intake process says it once).
    const atStart = this.license.state.status;
    if (role === "intake" && atStart !== "None" && atStart !== "Valid")
      this.recordLicence(this.license.state);
    if (role === "intake")
      this.metrics.reportReadiness(
        () => this.thread?.problem() != null,
        async () => (await this.stageReports()).stages,
      );
  }

  /**
   * `role: "intake"` (default) backs 2xx answers, so every embedded commit is fsynced; `"processing"`
   * is the second connection of a standalone process (its own thread). The adapters are the ones
   * `settings.backends` names.
   */
  static async open(settings: RuntimeConfig, role: "intake" | "processing" = "intake"): Promise<Runtime> {
    return new Runtime(settings, await openBackends(settings, role), role);
  }

  private lastCheck: { at: number; problems: Promise<string[]> } | null = null;

  private recordLicence(state: LicenseState): void {
    const level: LogLevel =
      state.status === "Valid" || state.status === "None"
        ? "info"
        : state.status === "ExpiringSoon"
          ? "warning"
          : "error";
    this.monitoring.record(level, "licence", `licence ${state.status}: ${state.message}`, {
      status: state.status,
      processing: state.processing,
      ...(state.expires ? { expires: state.expires } : {}),
    });
  }

  /** What keeps a backend from serving right now; checked at most every 2 s (probes come often). */
  backendProblems(): Promise<string[]> {
    const now = Date.now();
    if (this.lastCheck === null || now - this.lastCheck.at > 2000)
      this.lastCheck = { at: now, problems: this.backends.problems() };
    return this.lastCheck.problems;
  }

  /**
   * Why this process should not get traffic: a backend it cannot use, a processing thread that
   * crashes too often, a stage that stalls.
   */
  async readinessProblems(): Promise<ReadinessProblem[]> {
    const backends = (await this.backendProblems()).map(
      (p): ReadinessProblem => ({ kind: "backend", summary: p, detail: p }),
    );
    const thread = this.thread?.problem();
    const stalls = (await this.stageReports().catch(() => ({ stalls: [] as Stall[] }))).stalls.map(
      (stall): ReadinessProblem => ({ kind: "pipeline", ...describeStall(stall, this.settings.stallMs) }),
    );
    return [...backends, ...(thread ? [{ kind: "pipeline" as const, ...thread }] : []), ...stalls];
  }

  /**
   * Checks readiness every `backendCheckMs` and logs each problem when it appears
   * (`backend problem: …`, `pipeline problem: …`) and when it clears (`… recovered: …`), so
   * `kubectl logs` says why a pod is not ready.
   */
  watchBackends(log: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): void {
    if (this.settings.backendCheckMs === 0) return;
    let known = new Map<string, ReadinessProblem["kind"]>();
    const timer = setInterval(async () => {
      const now = new Map((await this.readinessProblems()).map((p) => [p.summary, p.kind]));
      for (const [problem, kind] of now) {
        if (known.has(problem)) continue;
        log(`${kind} problem: ${problem}`);
        this.monitoring.record("error", kind === "backend" ? "backend" : "stage", problem, {
          state: "problem",
        });
      }
      for (const [problem, kind] of known) {
        if (now.has(problem)) continue;
        log(`${kind} recovered: ${problem}`);
        this.monitoring.record("info", kind === "backend" ? "backend" : "stage", `recovered: ${problem}`, {
          state: "recovered",
        });
      }
      known = now;
    }, this.settings.backendCheckMs);
    timer.unref();
    this.shutdown.signal.addEventListener("abort", () => clearInterval(timer));
  }

  /** What processes in this process, for the status endpoint. */
  async processingStats(): Promise<ProcessingStats> {
    if (this.thread) return (await this.thread.stats()).stats;
    return {
      stages: [...this.running],
      pendingDocuments: this.state.size,
      progress: this.progress.snapshot(this.license.processingAllowed ? null : this.license.state.message),
    };
  }

  /** The processing thread's state; null when this process has none. */
  processingThread(): ProcessingThreadState | null {
    return this.thread?.state() ?? null;
  }

  /** Each consuming stage's oldest waiting message, progress and last error, and which stall. */
  async stageReports(): Promise<{ stages: StageReport[]; stalls: Stall[] }> {
    const { progress } = await this.processingStats();
    const topics = [...new Set(progress.map((p) => p.topic))];
    const since = new Map(
      await Promise.all(topics.map(async (t) => [t, await this.queue.oldestWaitingSince(t)] as const)),
    );
    const now = Date.now();
    const stalls = findStalls(progress, since, now, this.settings.stallMs);
    const stages = progress.map((p: StageProgress) => {
      const oldest = since.get(p.topic) ?? null;
      return {
        stage: p.stage,
        topic: p.topic,
        oldestWaitingSeconds: oldest === null ? null : Math.max(0, Math.floor((now - oldest) / 1000)),
        lastSettledAt: p.lastSettledAt === null ? null : new Date(p.lastSettledAt).toISOString(),
        lastError: p.lastError && {
          message: p.lastError.message,
          at: new Date(p.lastError.at).toISOString(),
        },
        stalled: stalls.some((s) => s.stage === p.stage),
      };
    });
    return { stages, stalls };
  }

  /** Whether this process runs the collector (so `/track` can wait for workflow output). */
  get processesInline(): boolean {
    return this.thread !== null || this.running.has("collector");
  }

  /** Prometheus text for this process, the processing thread's counters included while it answers. */
  async metricsText(): Promise<string> {
    if (!this.thread) return this.metrics.text([]);
    try {
      return await this.metrics.text([(await this.thread.stats()).metrics]);
    } catch (error) {
      const why = describeError(error).replace(/\s+/g, " ");
      return `# processing thread metrics unavailable: ${why}\n${await this.metrics.text([])}`;
    }
  }

  /** Metric values of this process, the processing thread's included while it answers. */
  async metricValues(): Promise<ThreadMetrics> {
    if (!this.thread) return this.metrics.values([]);
    const thread = await this.thread.stats().then(
      (stats) => [stats.metrics],
      () => [],
    );
    return this.metrics.values(thread);
  }

  /** Configuration changed through this process: drop cached copies here and in the processing thread. */
  configChanged(): void {
    this.configCache.invalidate();
    this.thread?.configChanged();
  }

  /**
   * Starts `stages` on a processing thread (own SQLite connection), so intake keeps its core: the
   * stages of a process that serves the public API.
   */
  async startProcessing(stages: readonly PipelineStage[]): Promise<void> {
    this.thread = await ProcessingThread.start({
      spawn: () => processingWorker(this.settings, stages),
      results: this.workflowResults,
      onMerged: () => this.identity.refresh(),
      restarts: this.settings.restarts,
      onCrash: (error, delay) => {
        process.stderr.write(`processing thread crashed, restarting in ${delay} ms: ${errorStack(error)}\n`);
        this.monitoring.record(
          "error",
          "stage",
          `processing thread crashed, restarting in ${delay} ms: ${describeError(error)}`,
          { error: describeError(error), restartInMs: delay },
          "stage|processing-thread-crash",
        );
        this.metrics.processingThreadCrashes.inc();
        this.metrics.uncaughtErrors.inc({ kind: "exception", thread: "processing" });
      },
      onUncaught: (kind) => this.metrics.uncaughtErrors.inc({ kind, thread: "processing" }),
    });
  }

  /**
   * Starts `stages` on this thread. With storage here, it drains first: documents queued for storage
   * before a restart are stored before the collector reads profiles again.
   */
  async startStages(stages: readonly PipelineStage[]): Promise<void> {
    if (stages.includes("storage")) {
      this.startStorage();
      if (stages.includes("collector"))
        while ((await this.queue.backlog()).storage > 0) await new Promise((r) => setTimeout(r, 20));
    }
    if (stages.includes("collector")) this.startCollector();
    if (stages.includes("dispatch")) this.startDispatch();
    if (stages.includes("merge")) this.startMerging();
  }

  startCollector(): void {
    const handler = collectorStage({
      state: this.state,
      config: this.configCache,
      validator: this.validator,
      store: this.data,
      identity: this.identity,
      mergeSalt: this.settings.mergeSalt,
      mergeRails: {
        ignored: ignoredValues(this.settings.mergeIgnoredValues),
        maxProfiles: this.settings.mergeMaxProfiles,
      },
      onMergeSkipped: (reason) => {
        this.metrics.mergesSkipped.inc({ reason });
        this.monitoring.record("warning", "merge", `merge skipped: ${reason}`, { reason });
      },
      dedupeWindowMs: this.settings.dedupeWindowMs,
      onDuplicateEvents: (count) => this.metrics.eventsDeduplicated.inc(count),
      onVersionConflict: (count) => this.metrics.versionConflicts.inc(count),
      log: (line) => process.stderr.write(`${line}\n`),
      storageBacklog: async () => (await this.queue.backlog()).storage,
      workflows: this.settings.workflowEnabled ? { http: this.http } : null,
      shutdown: this.shutdown.signal,
      onWorkflowOutput: (task, output) => this.onWorkflowOutput(task, output),
      onProfilesMerged: (survivor, merged) => {
        this.monitoring.record(
          "info",
          "merge",
          `merged ${merged.length} profile${merged.length === 1 ? "" : "s"} into ${survivor}`,
          { survivor, merged },
          `merge|${survivor}|${merged.join(",")}`,
        );
        this.onProfilesMerged();
      },
    });
    const consume = () =>
      // Several loops: a payload waiting for a slow remote-call node holds one, not the collector.
      this.consume("collector", "collector", handler, this.settings.collectorBatchSize, {
        maxBatchBytes: 256 * 1024,
        parallel: 4,
      });
    this.metrics.reportPendingState(() => this.state.size);
    // Registered now: while it waits for storage (below), its messages age and status says why.
    this.progress.started("collector", "collector");
    this.running.add("collector");
    if (this.running.has("storage")) return consume();
    // Storage runs in another process. What was queued for it before this process started must be
    // stored before the collector reads profiles, or it would build on older copies.
    void this.storageDrained().then(() => {
      if (!this.shutdown.signal.aborted) consume();
    });
    // Nothing here reports stored documents either: drop those the store holds.
    const timer = setInterval(() => {
      this.state
        .sweep(Date.now() - PENDING_SWEEP_MS)
        .catch((error: unknown) => process.stderr.write(`pending-state sweep failed: ${String(error)}\n`));
    }, PENDING_SWEEP_MS);
    this.shutdown.signal.addEventListener("abort", () => clearInterval(timer));
  }

  startStorage(): void {
    const conditions = tqlConditionCheck();
    const handler = storageStage({
      store: this.data,
      plan: async (message) => {
        const config = await this.configCache.current();
        return planDispatch(message, config.destinations, conditions);
      },
      onStored: (messages) => {
        for (const m of messages) {
          this.state.settle(m.profile?.id ?? null, m.session?.id ?? null, m.stateSeq);
          this.metrics.eventsStored.inc(m.events.length);
        }
      },
      // Never stored: the collector reads what the store holds again.
      onDeadLettered: (messages) => {
        for (const m of messages) this.state.settle(m.profile?.id ?? null, m.session?.id ?? null, m.stateSeq);
      },
    });
    this.consume("storage", "storage", handler, this.settings.storageBatchSize, {
      maxBatchBytes: 1024 * 1024,
    });
  }

  startDispatch(): void {
    const handler = dispatchStage({
      config: this.configCache,
      // Starts at the old fixed bulkhead; below 4 when the maximum is set lower.
      concurrency: {
        initial: Math.min(4, this.settings.dispatchMaxConcurrency),
        min: 1,
        max: this.settings.dispatchMaxConcurrency,
      },
      maxAgeMs: this.settings.dispatchMaxAgeMs,
      shutdown: this.shutdown.signal,
      deliveries: {
        delivered: (id) => this.identity.delivered(id, Date.now(), this.settings.dedupeWindowMs),
        record: (id) => this.identity.recordDelivery(id, Date.now(), this.settings.dedupeWindowMs),
      },
      deliver: (resource, settings, body, shutdown) =>
        deliverWebhook(resource, settings, body, shutdown, this.http),
      onDelivered: (message, result) =>
        this.metrics.deliveries.inc({
          destination: message.destinationId,
          result: result.ok ? "delivered" : "failed",
        }),
    });
    this.consume("dispatch", "dispatch", handler, 50, {
      retryBaseMs: this.settings.dispatchRetryBaseMs,
      retryMaxMs: this.settings.dispatchRetryMaxMs,
      parallel: 8,
      // A loop takes the next batch while a hanging delivery runs (the embedded queue too).
      maxInFlight: 100,
    });
  }

  /** Resolves once the storage topic is empty (or this runtime shuts down); keeps asking while the queue fails. */
  private async storageDrained(): Promise<void> {
    let said = false;
    for (;;) {
      if (this.shutdown.signal.aborted) return;
      const waiting = await this.queue.backlog().then(
        (backlog) => backlog.storage,
        (error: unknown) => error,
      );
      if (waiting === 0) return;
      const why =
        typeof waiting === "number"
          ? `collector waits until ${waiting} queued documents are stored`
          : `collector waits for the queue: ${String(waiting)}`;
      if (!said) process.stderr.write(`${why}\n`);
      this.progress.failed("collector", why);
      said = true;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** The auto-profile-merging loop (`wk-apm`): a merge pass every `mergeIntervalMs`. */
  startMerging(): void {
    if (this.settings.mergeSalt === null || this.settings.mergeIntervalMs === 0) return;
    const interval = this.settings.mergeIntervalMs;
    // Each pass is recorded in the configuration store, so the private API of any replica can say
    // when the last one ran (the operator's AutoMerging condition); a record that fails is only logged.
    const record = (outcome: { queued: number } | { error: string }) =>
      recordMergePass(this.config, interval, outcome).catch((error: unknown) =>
        process.stderr.write(`merge pass not recorded: ${describeError(error)}\n`),
      );
    const timer = setInterval(() => {
      this.mergePass().then(
        (queued) => record({ queued }),
        (error: unknown) => {
          process.stderr.write(`merge pass failed: ${String(error)}\n`);
          return record({ error: describeError(error) });
        },
      );
    }, interval);
    this.shutdown.signal.addEventListener("abort", () => clearInterval(timer));
    this.running.add("merge");
  }

  /** Queues a merge for every profile marked for merging; returns how many. */
  mergePass(): Promise<number> {
    return mergePass(this.data, this.queue);
  }

  /** The search cluster's disk watermarks and usage (null: embedded store). */
  searchDisk(): ReturnType<Backends["searchDisk"]> {
    return this.backends.searchDisk();
  }

  /** The merge loop's last pass (recorded by whichever process runs it) and how many profiles wait. */
  mergingStatus(): Promise<MergingStatus> {
    return mergingStatus(this.settings, this.config, this.data);
  }

  /** Queues a forced merge of exactly these profiles (no merge rails). */
  async forceMerge(profiles: string[]): Promise<void> {
    await forceMerge(this.queue, profiles);
  }

  /** One entry per stage and error message (the throttle counts repeats). */
  private recordStageError(stage: string, error: unknown): void {
    const message = describeError(error);
    this.monitoring.record("error", "stage", `stage ${stage} failed: ${message}`, { stage, error: message });
  }

  async close(): Promise<void> {
    this.shutdown.abort();
    this.license.stop();
    await this.thread?.stop();
    await Promise.all(this.subscriptions.map((s) => s.close()));
    await this.monitoring.close();
    await this.backends.close();
  }

  private consume<T>(
    stage: string,
    topic: Topic,
    handler: BatchHandler<T>,
    maxBatch: number,
    extra: Pick<
      ConsumeOptions,
      "retryBaseMs" | "retryMaxMs" | "parallel" | "maxBatchBytes" | "maxInFlight"
    > = {},
  ): void {
    const counted: BatchHandler<T> = async (batch, settleEarly) => {
      // A key settled early counts as progress at once: a slow batch-mate must not look like a stall.
      const settledEarly =
        settleEarly &&
        ((index: number, outcome: Outcome) => {
          this.progress.handled(stage, [outcome]);
          settleEarly(index, outcome);
        });
      let outcomes: Outcome[];
      try {
        outcomes = await handler(batch, settledEarly);
      } catch (error) {
        this.progress.failed(stage, error);
        this.recordStageError(stage, error);
        throw error;
      }
      this.progress.handled(stage, outcomes);
      for (const outcome of outcomes) this.metrics.stageMessages.inc({ stage, outcome: outcome.kind });
      return outcomes;
    };
    this.progress.started(stage, topic);
    this.subscriptions.push(
      this.queue.consume(topic, counted, {
        maxBatch,
        maxAttempts: this.settings.maxDeliveryAttempts,
        paused: () => !this.license.processingAllowed,
        // The loop logs the error itself.
        onLoopError: (error) => {
          this.progress.failed(stage, error);
          this.metrics.stageLoopErrors.inc({ stage });
          this.recordStageError(stage, error);
        },
        onDeadLetter: (letter) =>
          this.monitoring.record(
            "warning",
            "dead-letter",
            `${stage}: message dead-lettered after ${letter.attempts} attempt${letter.attempts === 1 ? "" : "s"}: ${letter.reason}`,
            { stage, topic: letter.topic, key: letter.key, reason: letter.reason, attempts: letter.attempts },
            `dead-letter|${letter.topic}|${letter.reason}`,
          ),
        ...extra,
      }),
    );
    this.running.add(stage);
  }
}
