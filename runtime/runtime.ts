import { embeddedConfigStore } from "./adapters/embedded/config-store.js";
import { EmbeddedDataStore } from "./adapters/embedded/data-store.js";
import { type Db, GroupCommit, openDatabase } from "./adapters/embedded/database.js";
import { EmbeddedIdentityIndex } from "./adapters/embedded/identity.js";
import { EmbeddedQueue } from "./adapters/embedded/queue.js";
import type { RuntimeConfig } from "./config.js";
import { RuntimeMetrics } from "./http/metrics.js";
import type { BatchHandler, Outcome, Queue, Subscription, Topic } from "./ports/queue.js";
import type { ConfigStore, DataStore, IdentityIndex } from "./ports/store.js";
import { SourceVerifier } from "./stages/collect/sources.js";
import { collectorStage } from "./stages/process/collector.js";
import { ConfigCache } from "./stages/process/config-cache.js";
import { PendingState } from "./stages/process/state.js";
import { EventValidator } from "./stages/process/validation.js";
import { storageStage } from "./stages/store/storage.js";

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
  private readonly subscriptions: Subscription[] = [];
  private readonly running = new Set<string>();

  private constructor(
    readonly settings: RuntimeConfig,
    private readonly db: Db,
  ) {
    const commits = new GroupCommit(db);
    this.queue = new EmbeddedQueue(db, commits, {
      maxBacklog: settings.maxBacklog,
      pollIntervalMs: 200,
      retryBaseMs: 500,
    });
    this.identity = new EmbeddedIdentityIndex(db, commits);
    this.data = new EmbeddedDataStore(db);
    this.config = embeddedConfigStore(db);
    this.sources = new SourceVerifier(this.config.sources, settings.sourceCacheTtlMs);
    this.state = new PendingState(this.data);
    this.configCache = new ConfigCache(this.config, 1000);
    this.metrics = new RuntimeMetrics(this.queue);
  }

  static openEmbedded(settings: RuntimeConfig): Runtime {
    return new Runtime(settings, openDatabase(settings.dataDir));
  }

  /** Stage names that run in this process, for the status endpoint. */
  get stages(): string[] {
    return [...this.running];
  }

  /**
   * Starts the collector and storage stages. Storage drains first: documents queued for storage
   * before a restart must be stored before the collector reads profiles again.
   */
  async startProcessing(): Promise<void> {
    this.startStorage();
    while ((await this.queue.backlog()).storage > 0) await new Promise((r) => setTimeout(r, 20));
    this.startCollector();
  }

  startCollector(): void {
    const handler = collectorStage({
      state: this.state,
      config: this.configCache,
      validator: this.validator,
    });
    this.consume("collector", "collector", handler, this.settings.collectorBatchSize);
  }

  startStorage(): void {
    const handler = storageStage({
      store: this.data,
      onStored: (messages) => {
        for (const m of messages) {
          this.state.settle(m.profile?.id ?? null, m.session?.id ?? null, m.stateSeq);
          this.metrics.eventsStored.inc(m.events.length);
        }
      },
    });
    this.consume("storage", "storage", handler, this.settings.storageBatchSize);
  }

  async close(): Promise<void> {
    await Promise.all(this.subscriptions.map((s) => s.close()));
    await this.queue.close();
    this.db.close();
  }

  private consume<T>(stage: string, topic: Topic, handler: BatchHandler<T>, maxBatch: number): void {
    const counted: BatchHandler<T> = async (batch) => {
      const outcomes: Outcome[] = await handler(batch);
      for (const outcome of outcomes) this.metrics.stageMessages.inc({ stage, outcome: outcome.kind });
      return outcomes;
    };
    this.subscriptions.push(
      this.queue.consume(topic, counted, { maxBatch, maxAttempts: this.settings.maxDeliveryAttempts }),
    );
    this.running.add(stage);
  }
}
