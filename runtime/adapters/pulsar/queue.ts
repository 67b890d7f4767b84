import { randomUUID } from "node:crypto";
import { errorMessage } from "../../error-message.js";
import type {
  BatchHandler,
  ConsumeOptions,
  DeadLetterFilter,
  DeadLetterPage,
  OutgoingMessage,
  Queue,
  Subscription,
  Topic,
} from "../../ports/queue.js";
import { messageJson, QueueUnavailableError, TOPICS } from "../../ports/queue.js";
import { PulsarAdmin } from "./admin.js";
import { PulsarConsumerSocket } from "./consumer.js";
import { pageDeadLetters, takeDeadLetters } from "./dead-letters.js";
import type { OutgoingRecord, ReceivedMessage } from "./frames.js";
import { KeyHolds } from "./holds.js";
import {
  DEFAULT_NAMING,
  type Lane,
  type PulsarNaming,
  subscriptionName,
  topicPath,
  wsUrlFromWebUrl,
} from "./names.js";
import { PulsarProducer } from "./producer.js";
import { endpoint, openSocket } from "./socket.js";
import { SubscriptionLoop } from "./subscription.js";

export interface PulsarQueueOptions {
  /** The broker's HTTP base URL (admin REST and WebSocket API), e.g. `http://pulsar:8080`. */
  webUrl: string;
  /** WebSocket base URL; `webUrl` with ws(s):// by default. */
  wsUrl?: string;
  /** Bearer token for the admin API and the WebSocket API (sent as its `token` query parameter). */
  token?: string;
  /** Tenant, namespace and topic-name prefix (public/default, `tracardi-`). */
  naming?: Partial<PulsarNaming>;
  /** First retry delay when consume options give none; doubles per attempt (1000). */
  retryBaseMs?: number;
  /** Longest retry delay when consume options give none (300000). */
  retryMaxMs?: number;
  /** A publish not confirmed by the broker within this time fails (10000). */
  sendTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** How long an idle consumer waits for a message before re-checking `paused` (500). */
  idleWaitMs?: number;
  /**
   * `publish` fails with QueueUnavailableError (503) once this many messages wait on the topic; the
   * count comes from the admin API at most once a second, so the bound is soft. Unbounded if absent.
   */
  maxBacklog?: number;
}

/**
 * The Queue port on Apache Pulsar through its WebSocket API (produce, consume) and admin REST API
 * (subscriptions, backlog, dead-letter listing). Each topic has one durable Key_Shared subscription
 * that all consumers share, so a key's messages go to one consumer at a time, in order. Retries and
 * defers are re-published to the topic's retry topic (`<topic>-retry`, Pulsar's retry-letter idea)
 * with a delivery delay and the attempt in a message property, so the topic itself carries only new
 * messages and a new message never waits behind redelivered ones; dead letters go to
 * `<topic>-dead-letters` with the reason in properties.
 */
export class PulsarQueue implements Queue {
  private readonly naming: PulsarNaming;
  private readonly wsUrl: string;
  private readonly admin: PulsarAdmin;
  private readonly producers = new Map<string, PulsarProducer>();
  private readonly subscriptionsReady = new Map<string, Promise<void>>();
  private readonly loops = new Set<SubscriptionLoop>();
  private readonly holds = new Map<Topic, KeyHolds>();
  private closed = false;

  constructor(private readonly options: PulsarQueueOptions) {
    this.naming = { ...DEFAULT_NAMING, ...options.naming };
    this.wsUrl = (options.wsUrl ?? wsUrlFromWebUrl(options.webUrl)).replace(/\/+$/, "");
    this.admin = new PulsarAdmin(options.webUrl, options.token);
  }

  async publish(topic: Topic, messages: OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    // Serialised first: a message that cannot be fails this publish before anything is sent.
    const records = messages.map((message) => ({ key: message.key, text: messageJson(message) }));
    await this.checkBacklog(topic, messages.length);
    await this.publishRecords(topic, records);
  }

  consume<T>(topic: Topic, handler: BatchHandler<T>, options: ConsumeOptions): Subscription {
    let holds = this.holds.get(topic);
    if (!holds) {
      holds = new KeyHolds();
      this.holds.set(topic, holds);
    }
    const target = {
      publish: (to: Topic, records: OutgoingRecord[], lane?: Lane) => this.publishRecords(to, records, lane),
      retryBaseMs: this.options.retryBaseMs ?? 1000,
      retryMaxMs: this.options.retryMaxMs ?? 5 * 60_000,
      idleWaitMs: this.options.idleWaitMs ?? 500,
    };
    // Each loop on the topic has a twin on its retry topic with the same consumer name, so Key_Shared
    // gives a key to the same process on both, where `holds` keeps the key's order across them.
    const names = randomUUID().slice(0, 8);
    const loop = (lane: "fresh" | "retry", name: string, laneOptions: ConsumeOptions) => {
      const socket = new PulsarConsumerSocket(
        this.wsUrl,
        topicPath(this.naming, topic, lane),
        subscriptionName(this.naming, topic, lane),
        {
          subscriptionType: "Key_Shared",
          token: this.options.token,
          connectTimeoutMs: this.options.connectTimeoutMs ?? 10_000,
          nackDelayMs: 1000,
          consumerName: name,
        },
      );
      return new SubscriptionLoop(topic, socket, handler as BatchHandler, laneOptions, holds, target);
    };
    const retryOptions = retryLaneOptions(options);
    const loops = Array.from({ length: Math.max(1, options.parallel ?? 1) }, (_, i) => [
      loop("fresh", `${names}-${i}`, options),
      loop("retry", `${names}-${i}`, retryOptions),
    ]).flat();
    for (const loop of loops) {
      this.loops.add(loop);
      loop.start();
    }
    return {
      close: async () => {
        for (const loop of loops) this.loops.delete(loop);
        await Promise.all(loops.map((loop) => loop.stop()));
      },
    };
  }

  /**
   * Proves the WebSocket API answers (the admin API can work while it is off): opens a producer on
   * the collector topic and closes it. Throws with the reason, e.g. webSocketServiceEnabled.
   */
  async checkWebSocket(): Promise<void> {
    const url = endpoint(this.wsUrl, `producer/persistent/${topicPath(this.naming, "collector")}`, {
      token: this.options.token,
    });
    const socket = await openSocket(url, this.options.connectTimeoutMs ?? 10_000);
    socket.on("error", () => {});
    socket.close();
  }

  /** Per topic: its new messages and those waiting on its retry topic. */
  async backlog(): Promise<Record<Topic, number>> {
    const counts = await Promise.all(TOPICS.map((topic) => this.topicBacklog(topic)));
    return Object.fromEntries(TOPICS.map((topic, i) => [topic, counts[i] ?? 0])) as Record<Topic, number>;
  }

  private async topicBacklog(topic: Topic): Promise<number> {
    const lanes = await Promise.all(
      WAITING_LANES.map((lane) =>
        this.admin.backlog(topicPath(this.naming, topic, lane), subscriptionName(this.naming, topic, lane)),
      ),
    );
    return lanes.reduce((sum, n) => sum + n, 0);
  }

  /** Over the topic and its retry topic; a retried message is published again, so its wait counts from its latest retry. */
  async oldestWaitingSince(topic: Topic): Promise<number | null> {
    const times = await Promise.all(
      WAITING_LANES.map((lane) =>
        this.admin.oldestWaitingSince(
          topicPath(this.naming, topic, lane),
          subscriptionName(this.naming, topic, lane),
        ),
      ),
    );
    const known = times.filter((time): time is number => time !== null);
    return known.length > 0 ? Math.min(...known) : null;
  }

  async deadLetterCount(): Promise<number> {
    const counts = await Promise.all(
      TOPICS.map((topic) => {
        const where = this.deadLetterTopic(topic);
        return this.admin.backlog(where.path, where.subscription);
      }),
    );
    return counts.reduce((sum, n) => sum + n, 0);
  }

  async deadLetters(
    filter: DeadLetterFilter = {},
    window = { limit: 100, offset: 0 },
  ): Promise<DeadLetterPage> {
    return pageDeadLetters(this.admin, this.deadLetterTopics(filter), filter, window);
  }

  async replayDeadLetters(filter: DeadLetterFilter): Promise<number> {
    return this.takeDeadLetters(filter, (topic, messages) =>
      this.publishRecords(
        topic,
        messages.map((message) => ({ key: message.key, text: message.text })),
      ),
    );
  }

  async deleteDeadLetters(filter: DeadLetterFilter): Promise<number> {
    return this.takeDeadLetters(filter, async () => {});
  }

  private async takeDeadLetters(
    filter: DeadLetterFilter,
    handle: (topic: Topic, messages: ReceivedMessage[]) => Promise<void>,
  ): Promise<number> {
    const options = { token: this.options.token, connectTimeoutMs: this.options.connectTimeoutMs ?? 10_000 };
    const counts = await Promise.all(
      this.deadLetterTopics(filter).map((where) =>
        takeDeadLetters(
          this.admin,
          this.wsUrl,
          where,
          filter,
          (messages) => handle(where.topic, messages),
          options,
        ),
      ),
    );
    return counts.reduce((sum, n) => sum + n, 0);
  }

  /** The dead-letter topics a filter can match: its topic, the topics its ids name, or all. */
  private deadLetterTopics(filter: DeadLetterFilter) {
    const topics = TOPICS.filter(
      (topic) =>
        (filter.topic === undefined || filter.topic === topic) &&
        (filter.ids === undefined || filter.ids.some((id) => id.startsWith(`${topic}:`))),
    );
    return topics.map((topic) => this.deadLetterTopic(topic));
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.loops].map((loop) => loop.stop()));
    this.loops.clear();
    await Promise.all([...this.producers.values()].map((producer) => producer.close()));
    this.producers.clear();
  }

  private deadLetterTopic(topic: Topic) {
    return {
      topic,
      path: topicPath(this.naming, topic, "dead-letters"),
      subscription: subscriptionName(this.naming, topic, "dead-letters"),
    };
  }

  private async publishRecords(topic: Topic, records: OutgoingRecord[], lane: Lane = "fresh"): Promise<void> {
    if (this.closed) throw new QueueUnavailableError("queue closed");
    const path = topicPath(this.naming, topic, lane);
    await this.ensureSubscription(path, subscriptionName(this.naming, topic, lane));
    let producer = this.producers.get(path);
    if (!producer) {
      producer = new PulsarProducer(this.wsUrl, path, {
        token: this.options.token,
        sendTimeoutMs: this.options.sendTimeoutMs ?? 10_000,
        connectTimeoutMs: this.options.connectTimeoutMs ?? 10_000,
      });
      this.producers.set(path, producer);
    }
    await producer.send(records);
  }

  private readonly recentBacklog = new Map<Topic, { n: Promise<number>; at: number }>();

  private async checkBacklog(topic: Topic, adding: number): Promise<void> {
    const max = this.options.maxBacklog;
    if (max === undefined) return;
    let recent = this.recentBacklog.get(topic);
    if (!recent || Date.now() - recent.at > 1000) {
      const n = this.topicBacklog(topic);
      recent = { n, at: Date.now() };
      this.recentBacklog.set(topic, recent);
      n.catch(() => this.recentBacklog.delete(topic));
    }
    let waiting: number;
    try {
      waiting = await recent.n;
    } catch (error) {
      throw new QueueUnavailableError(`pulsar: ${errorMessage(error)}`);
    }
    if (waiting + adding > max) {
      throw new QueueUnavailableError(`queue topic "${topic}" is full (${waiting} messages waiting)`, 5);
    }
    recent.n = Promise.resolve(waiting + adding);
  }

  /** A topic's messages are kept only for existing subscriptions: create it before the first publish. */
  private ensureSubscription(path: string, subscription: string): Promise<void> {
    let ready = this.subscriptionsReady.get(path);
    if (!ready) {
      ready = this.admin.ensureSubscription(path, subscription).catch((error: unknown) => {
        this.subscriptionsReady.delete(path);
        throw new QueueUnavailableError(`pulsar: ${errorMessage(error)}`);
      });
      this.subscriptionsReady.set(path, ready);
    }
    return ready;
  }
}

/** The lanes whose messages still wait to be handled (the stage's backlog). */
const WAITING_LANES: readonly Lane[] = ["fresh", "retry"];

/**
 * The retry topic's loops get a quarter of the messages in flight the topic's loops get (batches no
 * larger): redelivered messages are spread out and never take the room new ones need.
 */
export function retryLaneOptions(options: ConsumeOptions): ConsumeOptions {
  const maxInFlight = Math.max(1, Math.ceil((options.maxInFlight ?? options.maxBatch * 2) / 4));
  return { ...options, maxInFlight, maxBatch: Math.min(options.maxBatch, maxInFlight) };
}
