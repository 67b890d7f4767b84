import client from "prom-client";
import type { Queue } from "../ports/queue.js";

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
    help: "Payloads refused after parsing, by reason (source, bot, unavailable)",
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });
  readonly stageMessages = new client.Counter({
    name: "tracardi_stage_messages_total",
    help: "Messages handled by a pipeline stage, by outcome",
    labelNames: ["stage", "outcome"] as const,
    registers: [this.registry],
  });
  readonly eventsStored = new client.Counter({
    name: "tracardi_events_stored_total",
    help: "Events written by the storage stage",
    registers: [this.registry],
  });

  /** `queue` given: this registry also reports the backlog and the process's default metrics. */
  constructor(queue: Queue | null) {
    if (queue === null) return;
    client.collectDefaultMetrics({ register: this.registry, prefix: "tracardi_process_" });
    new client.Gauge({
      name: "tracardi_queue_backlog",
      help: "Messages waiting on a queue topic",
      labelNames: ["topic"] as const,
      registers: [this.registry],
      async collect() {
        for (const [topic, n] of Object.entries(await queue.backlog())) this.set({ topic }, n);
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

  /** Prometheus text of this registry merged with registries of other threads (as JSON). */
  async text(others: client.MetricObjectWithValues<client.MetricValue<string>>[][]): Promise<string> {
    if (others.length === 0) return this.registry.metrics();
    const merged = client.AggregatorRegistry.aggregate([await this.registry.getMetricsAsJSON(), ...others]);
    return merged.metrics();
  }
}
