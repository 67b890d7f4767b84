import client from "prom-client";
import type { Queue } from "../ports/queue.js";
import { RequestMetrics } from "./request-metrics.js";

/**
 * Why `/track` or `/collect` did not accept a payload: the `reason` label of
 * `tracardi_payloads_rejected_total`. A fixed set, so dashboards and alerts can rely on it.
 */
export const rejectionReasons = [
  "invalid", // 422: the payload breaks the schema (a field missing or of the wrong type, an empty event type)
  "not_json", // 422: the body is empty or not JSON
  "too_many_events", // 422: more than TRACARDI_MAX_EVENTS_PER_PAYLOAD events
  "too_deep", // 422: body or query string nested deeper than TRACARDI_MAX_JSON_DEPTH
  "too_wide", // 422: an array or object over TRACARDI_MAX_JSON_ARRAY_LENGTH / TRACARDI_MAX_JSON_OBJECT_KEYS
  "too_large", // 413
  "content_type", // 415
  "source", // 401: unknown, disabled, wrong-type or internal source
  "bot", // 401: crawler user agent
  "unavailable", // 503: queue full or a backend out of reach
  "error", // 500: an internal fault
] as const;
export type RejectionReason = (typeof rejectionReasons)[number];

/** A registry's metrics as JSON (what a processing thread sends the main thread). */
export type ThreadMetrics = client.MetricObjectWithValues<client.MetricValue<string>>[];

/** The runtime's Prometheus metrics; one registry per runtime so tests can run several. */
export class RuntimeMetrics {
  readonly registry = new client.Registry();
  readonly payloadsAccepted = new client.Counter({
    name: "tracardi_payloads_accepted_total",
    help: "Tracker payloads durably queued and answered with 2xx",
    registers: [this.registry],
  });
  readonly eventsAccepted = new client.Counter({
    name: "tracardi_events_accepted_total",
    help: "Client events in accepted payloads",
    registers: [this.registry],
  });
  readonly payloadsRejected = new client.Counter({
    name: "tracardi_payloads_rejected_total",
    help: `Payloads /track and /collect did not accept, by reason (${rejectionReasons.join(", ")})`,
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });
  readonly stageMessages = new client.Counter({
    name: "tracardi_stage_messages_total",
    help: "Messages handled by a pipeline stage, by outcome",
    labelNames: ["stage", "outcome"] as const,
    registers: [this.registry],
  });
  readonly stageLoopErrors = new client.Counter({
    name: "tracardi_stage_loop_errors_total",
    help: "Errors a stage's consume loop met outside the handler (the loop goes on after a pause)",
    labelNames: ["stage"] as const,
    registers: [this.registry],
  });
  readonly processingThreadCrashes = new client.Counter({
    name: "tracardi_processing_thread_crashes_total",
    help: "Times the processing thread crashed and was started again",
    registers: [this.registry],
  });
  readonly uncaughtErrors = new client.Counter({
    name: "tracardi_uncaught_errors_total",
    help: "Unhandled promise rejections and uncaught exceptions, by kind and thread (each is logged)",
    labelNames: ["kind", "thread"] as const,
    registers: [this.registry],
  });
  readonly eventsDeduplicated = new client.Counter({
    name: "tracardi_events_deduplicated_total",
    help: "Client events dropped because their owner sent the same event id within TRACARDI_DEDUPE_WINDOW",
    registers: [this.registry],
  });
  readonly mergesSkipped = new client.Counter({
    name: "tracardi_merges_skipped_total",
    help: "Automatic profile merges the merge rails refused, by reason (identifier_conflict, shared_by_too_many)",
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });
  readonly eventsStored = new client.Counter({
    name: "tracardi_events_stored_total",
    help: "Events written by the storage stage",
    registers: [this.registry],
  });
  readonly deliveries = new client.Counter({
    name: "tracardi_deliveries_total",
    help: "Webhook deliveries made, by destination and result (delivered, failed: retried or dead-lettered)",
    labelNames: ["destination", "result"] as const,
    registers: [this.registry],
  });

  private requestMetrics: RequestMetrics | null = null;

  /** The request counters, registered by the first API of this process that installs them. */
  requests(): RequestMetrics {
    this.requestMetrics ??= new RequestMetrics(this.registry);
    return this.requestMetrics;
  }

  /** `queue` given: this registry also reports the backlog and the process's default metrics. */
  constructor(queue: Queue | null) {
    // Every reason is reported from the start, so a rate over it never misses the first refusal.
    for (const reason of rejectionReasons) this.payloadsRejected.inc({ reason }, 0);
    if (queue === null) return;
    client.collectDefaultMetrics({ register: this.registry, prefix: "tracardi_process_" });
    new client.Gauge({
      name: "tracardi_queue_backlog",
      help: "Messages waiting on a queue topic",
      labelNames: ["topic"] as const,
      registers: [this.registry],
      async collect() {
        // A queue that does not answer leaves the gauge as it was (/readyz says why), not /metrics a 500.
        const backlog = await queue.backlog().catch(() => ({}));
        for (const [topic, n] of Object.entries(backlog)) this.set({ topic }, n);
      },
    });
  }

  /** Reports how many documents the collector serves from memory until they are stored. */
  reportPendingState(size: () => number): void {
    new client.Gauge({
      name: "tracardi_pending_state_documents",
      help: "Profiles and sessions the collector serves from memory until the store holds them",
      registers: [this.registry],
      collect() {
        this.set(size());
      },
    });
  }

  /** Reports whether the processing thread crashes too often, and each stage's wait and stall. */
  reportReadiness(
    processingFailing: () => boolean,
    stages: () => Promise<{ stage: string; oldestWaitingSeconds: number | null; stalled: boolean }[]>,
  ): void {
    new client.Gauge({
      name: "tracardi_processing_thread_failing",
      help: "1 while the processing thread crashed TRACARDI_MAX_RESTARTS times within TRACARDI_RESTART_WINDOW_SECONDS",
      registers: [this.registry],
      collect() {
        this.set(processingFailing() ? 1 : 0);
      },
    });
    // One look per scrape serves both stage gauges.
    let last: { at: number; reports: ReturnType<typeof stages> } | null = null;
    const reports = () => {
      if (last === null || Date.now() - last.at > 500)
        last = { at: Date.now(), reports: stages().catch(() => []) };
      return last.reports;
    };
    new client.Gauge({
      name: "tracardi_stage_oldest_waiting_seconds",
      help: "Age of the oldest message waiting on the topic of a stage this process runs (0: none waits)",
      labelNames: ["stage"] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const report of await reports())
          this.set({ stage: report.stage }, report.oldestWaitingSeconds ?? 0);
      },
    });
    new client.Gauge({
      name: "tracardi_stage_stalled",
      help: "1 while a stage's oldest waiting message is older than TRACARDI_STALL_SECONDS and it settles none",
      labelNames: ["stage"] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const report of await reports()) this.set({ stage: report.stage }, report.stalled ? 1 : 0);
      },
    });
  }

  /** Prometheus text of this registry merged with registries of other threads (as JSON). */
  async text(others: ThreadMetrics[]): Promise<string> {
    if (others.length === 0) return this.registry.metrics();
    const merged = client.AggregatorRegistry.aggregate([await this.registry.getMetricsAsJSON(), ...others]);
    return merged.metrics();
  }

  /** The values of this registry merged with registries of other threads, as JSON. */
  async values(others: ThreadMetrics[]): Promise<ThreadMetrics> {
    const own = await this.registry.getMetricsAsJSON();
    if (others.length === 0) return own;
    return client.AggregatorRegistry.aggregate([own, ...others]).getMetricsAsJSON();
  }
}
