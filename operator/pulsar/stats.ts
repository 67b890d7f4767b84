import { PulsarAdmin } from "../../runtime/adapters/pulsar/admin.js";
import { pageDeadLetters } from "../../runtime/adapters/pulsar/dead-letters.js";
import {
  type Lane,
  type PulsarNaming,
  subscriptionName,
  topicPath,
} from "../../runtime/adapters/pulsar/names.js";
import { errorMessage } from "../../runtime/error-message.js";
import type { Topic } from "../../runtime/ports/queue.js";

/**
 * One queue stage as Pulsar sees it: the runtime's shared durable subscription on the stage's topic,
 * together with the one on its retry topic (`<topic>-retry`, where the runtime puts retries and
 * deferrals): the backlog, rates and last acknowledgement cover both, so the messages a stage put back
 * count as waiting. Dead-letter topics are read on their own (`deadLetters`).
 */
export interface StageStats {
  stage: Topic;
  /** `tenant/namespace/topic`. */
  topic: string;
  subscription: string;
  /** False when no topic of that name exists yet (nothing was ever published to the stage). */
  exists: boolean;
  /** 0 for a non-partitioned topic. */
  partitions: number;
  /** Messages of the subscription not yet acknowledged, over all partitions (retry topic included). */
  backlog: number;
  /** Of `backlog`, those waiting on the retry topic (absent: none, or not read; 0 for a dead-letter topic). */
  retryBacklog?: number;
  /** Messages per second published to the topic (the broker's moving rate). */
  msgRateIn: number;
  /** Messages per second dispatched to the subscription's consumers. */
  msgRateOut: number;
  /** Messages per second the subscription's consumers acknowledged (absent: not reported). */
  ackRate?: number;
  /**
   * Of `msgRateIn`, the messages per second published to the retry topic: the stage putting messages
   * back (every retry and deferral), so `ackRate - retryRateIn` is what left the stage for good.
   */
  retryRateIn?: number;
  /** Consumers connected to the subscription. */
  consumers: number;
  /**
   * The broker's time (epoch ms) of the latest acknowledgement by a connected consumer; 0 when none
   * (Pulsar keeps it per consumer, so it resets when they disconnect). Compared between reads only;
   * absent from readers that do not report it.
   */
  lastAckedTimestamp?: number;
}

/**
 * What the operator reads of the pipeline from Pulsar, independent of whether any worker runs:
 * autoscaling uses the backlog, pipeline diagnostics (PipelineFlowing) the rates and consumers.
 */
export interface PipelineStats {
  stages(stages: readonly Topic[]): Promise<StageStats[]>;
}

/** The stages' dead-letter topics (`<prefix><stage>-dead-letters`), as Pulsar sees them. */
export interface DeadLetterStats {
  /** The dead-letter subscriptions' stats: `backlog` is how many dead letters wait. */
  deadLetters(stages: readonly Topic[]): Promise<StageStats[]>;
  /** Why the newest dead letter of a stage failed, as GET /api/v1/dead-letters shows it; undefined if none. */
  lastDeadLetterReason(stage: Topic): Promise<string | undefined>;
}

export interface PulsarAdminConnection {
  /** The broker's web service, e.g. http://pulsar:8080. */
  webUrl: string;
  /** Bearer token for the admin API (from spec.pulsar.tokenSecretRef). */
  token?: string;
  naming: PulsarNaming;
  timeoutMs?: number;
}

/** The fields of Pulsar's TopicStats / PartitionedTopicStats we read (both have this shape). */
interface TopicStatsBody {
  msgRateIn?: number;
  metadata?: { partitions?: number };
  subscriptions?: Record<
    string,
    {
      msgBacklog?: number;
      msgRateOut?: number;
      messageAckRate?: number;
      consumers?: unknown[];
      lastAckedTimestamp?: number;
    }
  >;
}

type Fetch = (url: string, init: RequestInit) => Promise<Response>;

export class PulsarAdminError extends Error {}

/**
 * PipelineStats from the admin REST API: `GET …/stats` of the stage's topic, and `…/partitioned-stats`
 * when that topic turns out to be partitioned (the plain stats answer 404 for a partitioned name).
 * One request per stage for the runtime's non-partitioned topics.
 */
export class PulsarAdminPipelineStats implements PipelineStats, DeadLetterStats {
  private readonly base: string;

  constructor(
    private readonly connection: PulsarAdminConnection,
    private readonly fetchImpl: Fetch = fetch,
  ) {
    this.base = `${connection.webUrl.replace(/\/+$/, "")}/admin/v2/persistent`;
  }

  async stages(stages: readonly Topic[]): Promise<StageStats[]> {
    return await Promise.all(
      stages.map(async (stage) => {
        const [fresh, retry] = await Promise.all([this.stage(stage, "fresh"), this.stage(stage, "retry")]);
        return withRetries(fresh, retry);
      }),
    );
  }

  async deadLetters(stages: readonly Topic[]): Promise<StageStats[]> {
    return await Promise.all(stages.map((stage) => this.stage(stage, "dead-letters")));
  }

  /** Peeks at the newest dead letter with the runtime's own reader (one admin request). */
  async lastDeadLetterReason(stage: Topic): Promise<string | undefined> {
    const { naming, webUrl, token, timeoutMs } = this.connection;
    const admin = new PulsarAdmin(webUrl, token, timeoutMs ?? 5000);
    const where = {
      topic: stage,
      path: topicPath(naming, stage, "dead-letters"),
      subscription: subscriptionName(naming, stage, "dead-letters"),
    };
    try {
      const page = await pageDeadLetters(admin, [where], {}, { limit: 1, offset: 0 });
      return page.items[0]?.reason;
    } catch (err) {
      const why = errorMessage(err);
      throw new PulsarAdminError(`Pulsar admin API at ${webUrl}: reading ${where.path}: ${why}`);
    }
  }

  private async stage(stage: Topic, lane: Lane): Promise<StageStats> {
    const topic = topicPath(this.connection.naming, stage, lane);
    const subscription = subscriptionName(this.connection.naming, stage, lane);
    const plain = await this.get(`${topic}/stats`);
    const body = plain ?? (await this.get(`${topic}/partitioned-stats`));
    if (!body) {
      return {
        stage,
        topic,
        subscription,
        exists: false,
        partitions: 0,
        backlog: 0,
        retryBacklog: 0,
        msgRateIn: 0,
        msgRateOut: 0,
        ackRate: 0,
        retryRateIn: 0,
        consumers: 0,
        lastAckedTimestamp: 0,
      };
    }
    const sub = body.subscriptions?.[subscription];
    return {
      stage,
      topic,
      subscription,
      exists: true,
      partitions: plain ? 0 : (body.metadata?.partitions ?? 0),
      backlog: sub?.msgBacklog ?? 0,
      retryBacklog: 0,
      msgRateIn: body.msgRateIn ?? 0,
      msgRateOut: sub?.msgRateOut ?? 0,
      ...(sub?.messageAckRate === undefined ? {} : { ackRate: sub.messageAckRate }),
      retryRateIn: 0,
      consumers: sub?.consumers?.length ?? 0,
      lastAckedTimestamp: sub?.lastAckedTimestamp ?? 0,
    };
  }

  /** The parsed stats, or undefined on 404 (no such topic). */
  private async get(path: string): Promise<TopicStatsBody | undefined> {
    const url = `${this.base}/${path}`;
    const headers: Record<string, string> = { accept: "application/json" };
    if (this.connection.token) headers.authorization = `Bearer ${this.connection.token}`;
    let response: Response;
    try {
      response = await this.fetchImpl(url, {
        method: "GET",
        headers,
        signal: AbortSignal.timeout(this.connection.timeoutMs ?? 5000),
      });
    } catch (err) {
      const why = errorMessage(err);
      throw new PulsarAdminError(`Pulsar admin API at ${url} does not answer: ${why}`);
    }
    if (response.status === 404) {
      await response.body?.cancel();
      return undefined;
    }
    if (response.status !== 200) {
      const text = (await response.text().catch(() => "")).slice(0, 300);
      throw new PulsarAdminError(`Pulsar admin API GET ${url}: HTTP ${response.status} ${text}`.trim());
    }
    return (await response.json()) as TopicStatsBody;
  }
}

/**
 * A stage's topic with its retry topic's figures added: named by the topic, consumed by the topic's
 * consumers (the runtime opens the same number on both), acknowledged as lately as either was.
 */
export function withRetries(fresh: StageStats, retry: StageStats): StageStats {
  return {
    ...fresh,
    exists: fresh.exists || retry.exists,
    backlog: fresh.backlog + retry.backlog,
    retryBacklog: retry.backlog,
    msgRateIn: fresh.msgRateIn + retry.msgRateIn,
    msgRateOut: fresh.msgRateOut + retry.msgRateOut,
    ...(fresh.ackRate === undefined && retry.ackRate === undefined
      ? {}
      : { ackRate: (fresh.ackRate ?? 0) + (retry.ackRate ?? 0) }),
    retryRateIn: retry.msgRateIn,
    lastAckedTimestamp: Math.max(fresh.lastAckedTimestamp ?? 0, retry.lastAckedTimestamp ?? 0),
  };
}
