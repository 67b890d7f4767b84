import type { V1Deployment } from "@kubernetes/client-node";
import { errorMessage } from "../../runtime/error-message.js";
import { TOPICS, type Topic } from "../../runtime/ports/queue.js";
import { type ProcessKind, processStages } from "../../runtime/processes.js";
import { type ComponentName, componentInfo } from "../api/components.js";
import type { PulsarSpec, Tracardi } from "../api/types.js";
import { pulsarAdminConnection } from "../pulsar/connection.js";
import type { DeadLetterStats, PipelineStats, PulsarAdminConnection } from "../pulsar/stats.js";
import { workerDeployed } from "./desired/component.js";
import { childName, generatedAdminTokenName } from "./desired/index.js";
import {
  advanceDeadLetters,
  advanceStage,
  type DeadLetterHistory,
  type PipelineObservation,
  type StageConsumer,
  type StageHistory,
} from "./diagnose/pipeline.js";

/** The processes that consume a queue stage over Pulsar, by the component that runs them. */
const CONSUMING_PROCESSES: { kind: ProcessKind; component: ComponentName }[] = [
  { kind: "public-api", component: "public-api" },
  { kind: "collector", component: "wk-pl-collector" },
  { kind: "background", component: "wk-pl-background" },
];

function runs(owner: Tracardi, component: ComponentName): boolean {
  const ref = componentInfo(component).ref;
  if (ref.kind === "api") return true;
  return ref.kind === "worker" && workerDeployed(owner.spec, ref.worker);
}

/**
 * Which Deployment consumes each queue stage, from the table "process → stages" (runtime/processes.ts):
 * the collector stage in wk-pl-collector or, when it is off, in the public API; storage and dispatch
 * in wk-pl-background. Flows run in the collector stage, so the workflow topic has no consumer and
 * is not watched.
 */
export function stageConsumers(
  owner: Tracardi,
  deployment: (name: string) => V1Deployment | undefined,
): Map<Topic, StageConsumer> {
  const settings = {
    queue: "pulsar" as const,
    processInline: !workerDeployed(owner.spec, "collector"),
  };
  const consumers = new Map<Topic, StageConsumer>();
  for (const { kind, component } of CONSUMING_PROCESSES) {
    if (!runs(owner, component)) continue;
    const info = componentInfo(component);
    if (info.ref.kind === "gui") continue;
    const name = childName(owner.metadata.name, component);
    const spec =
      info.ref.kind === "api" ? owner.spec.api[info.ref.role] : owner.spec.workers[info.ref.worker];
    const autoscaling = "autoscaling" in spec ? spec.autoscaling : undefined;
    const consumer: StageConsumer = {
      deployment: name,
      component,
      specPath: info.specPath,
      replicas: deployment(name)?.spec?.replicas ?? spec.replicas,
    };
    if (autoscaling?.enabled) consumer.maxReplicas = autoscaling.maxReplicas;
    for (const stage of processStages(kind, settings)) {
      if ((TOPICS as readonly string[]).includes(stage)) consumers.set(stage as Topic, consumer);
    }
  }
  return consumers;
}

/** Stages with a consumer in some configuration: the ones PipelineFlowing watches. */
export const WATCHED_STAGES: readonly Topic[] = ["collector", "storage", "dispatch"];

export type PipelineReader = PipelineStats & DeadLetterStats;

export interface PipelineWatchDeps {
  reader: (connection: PulsarAdminConnection) => PipelineReader;
  /** How often Pulsar is read per Tracardi; between reads the last observation stands. */
  intervalMs: number;
}

interface Memory {
  at: number;
  observation: PipelineObservation;
  stages: Map<Topic, StageHistory>;
  deadLetters: Map<Topic, DeadLetterHistory>;
  /** The newest dead letter's reason, read again only when the count changes. */
  reasons: Map<Topic, { count: number; reason?: string }>;
}

/**
 * Reads each Tracardi's stages and dead-letter topics from Pulsar's admin API once per interval and
 * keeps the short history PipelineFlowing needs (growth, time without acknowledgement, time acknowledging
 * only retries). Memory only:
 * an operator restart starts the histories afresh.
 */
export class PipelineWatch {
  private readonly memory = new Map<string, Memory>();

  constructor(private readonly deps: PipelineWatchDeps) {}

  forget(key: string): void {
    this.memory.delete(key);
  }

  async observe(
    owner: Tracardi,
    deployment: (name: string) => V1Deployment | undefined,
    now: Date,
    token: () => Promise<string | undefined>,
  ): Promise<{ observation: PipelineObservation; requeueAfterMs?: number }> {
    const key = `${owner.metadata.namespace}/${owner.metadata.name}`;
    const pulsar = owner.spec.pulsar;
    if (!pulsar) {
      this.memory.delete(key);
      return { observation: { kind: "embedded" } };
    }
    const at = now.getTime();
    const previous = this.memory.get(key);
    if (previous && at - previous.at < this.deps.intervalMs) {
      return { observation: previous.observation, requeueAfterMs: previous.at + this.deps.intervalMs - at };
    }
    const memory: Memory = previous ?? {
      at,
      observation: { kind: "unreadable", message: "not read yet" },
      stages: new Map(),
      deadLetters: new Map(),
      reasons: new Map(),
    };
    memory.at = at;
    memory.observation = await this.read(owner, pulsar, deployment, memory, at, token);
    this.memory.set(key, memory);
    return { observation: memory.observation, requeueAfterMs: this.deps.intervalMs };
  }

  private async read(
    owner: Tracardi,
    pulsar: PulsarSpec,
    deployment: (name: string) => V1Deployment | undefined,
    memory: Memory,
    at: number,
    token: () => Promise<string | undefined>,
  ): Promise<PipelineObservation> {
    const settings = owner.spec.diagnostics;
    let reader: PipelineReader;
    let stageReads: Awaited<ReturnType<PipelineReader["stages"]>>;
    let letterReads: Awaited<ReturnType<PipelineReader["deadLetters"]>>;
    try {
      reader = this.deps.reader(pulsarAdminConnection(pulsar, await token()));
      [stageReads, letterReads] = await Promise.all([
        reader.stages(WATCHED_STAGES),
        reader.deadLetters(WATCHED_STAGES),
      ]);
    } catch (err) {
      return { kind: "unreadable", message: errorMessage(err) };
    }
    const consumers = stageConsumers(owner, deployment);
    const stages = stageReads.map((stats) => {
      // What the stage dead-letters is acknowledged too, but is no progress (see advanceStage).
      const deadLetterRateIn = letterReads.find((l) => l.stage === stats.stage)?.msgRateIn ?? 0;
      const read = { ...stats, deadLetterRateIn };
      const history = advanceStage(memory.stages.get(read.stage), read, at, settings);
      memory.stages.set(read.stage, history);
      const consumer = consumers.get(read.stage);
      return consumer ? { read, history, consumer } : { read, history };
    });
    const deadLetters = await Promise.all(
      letterReads.map(async (letters) => {
        const history = advanceDeadLetters(memory.deadLetters.get(letters.stage), letters.backlog, at);
        memory.deadLetters.set(letters.stage, history);
        const lastReason = await this.lastReason(reader, memory, letters.stage, letters.backlog);
        const read = { stage: letters.stage, topic: letters.topic, count: letters.backlog };
        return { read: lastReason === undefined ? read : { ...read, lastReason }, history };
      }),
    );
    const name = owner.metadata.name;
    return {
      kind: "read",
      at,
      settings,
      stages,
      deadLetters,
      replay: {
        namespace: owner.metadata.namespace,
        service: childName(name, "private-api"),
        port: owner.spec.api.private.service.port,
        tokenSecret: owner.spec.adminToken?.secretRef.name ?? generatedAdminTokenName(name),
      },
    };
  }

  private async lastReason(
    reader: PipelineReader,
    memory: Memory,
    stage: Topic,
    count: number,
  ): Promise<string | undefined> {
    if (count === 0) {
      memory.reasons.delete(stage);
      return undefined;
    }
    const known = memory.reasons.get(stage);
    if (known?.count === count) return known.reason;
    try {
      const reason = await reader.lastDeadLetterReason(stage);
      memory.reasons.set(stage, reason === undefined ? { count } : { count, reason });
      return reason;
    } catch (err) {
      // Counted letters are reported either way; the reason is looked for again at the next read.
      return `(the newest letter could not be read: ${errorMessage(err)})`;
    }
  }
}
