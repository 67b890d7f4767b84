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
import { DEFAULT_NAMING, type PulsarNaming, subscriptionName, topicPath, wsUrlFromWebUrl } from "./names.js";
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
 * defers are re-published with a delivery delay and the attempt in a message property; dead letters
 * go to `<topic>-dead-letters` with the reason in properties.
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
    const path = topicPath(this.naming, topic);
    const subscription = subscriptionName(this.naming, topic);
    let holds = this.holds.get(topic);
    if (!holds) {
      holds = new KeyHolds();
      this.holds.set(topic, holds);
    }
    const target = {
      publish: (to: Topic, records: OutgoingRecord[], deadLetters?: boolean) =>
        this.publishRecords(to, records, deadLetters),
      retryBaseMs: this.options.retryBaseMs ?? 1000,
      retryMaxMs: this.options.retryMaxMs ?? 5 * 60_000,
      idleWaitMs: this.options.idleWaitMs ?? 500,
    };
    const loops = Array.from({ length: Math.max(1, options.parallel ?? 1) }, () => {
      const socket = new PulsarConsumerSocket(this.wsUrl, path, subscription, {
        subscriptionType: "Key_Shared",
        token: this.options.token,
        connectTimeoutMs: this.options.connectTimeoutMs ?? 10_000,
        nackDelayMs: 1000,
      });
      return new SubscriptionLoop(topic, socket, handler as BatchHandler, options, holds, target);
    });
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

  async backlog(): Promise<Record<Topic, number>> {
    const counts = await Promise.all(
      TOPICS.map((topic) =>
        this.admin.backlog(topicPath(this.naming, topic), subscriptionName(this.naming, topic)),
      ),
    );
    return Object.fromEntries(TOPICS.map((topic, i) => [topic, counts[i] ?? 0])) as Record<Topic, number>;
  }

  /** A retried message is published again, so its wait counts from its latest retry. */
  oldestWaitingSince(topic: Topic): Promise<number | null> {
    return this.admin.oldestWaitingSince(topicPath(this.naming, topic), subscriptionName(this.naming, topic));
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
      path: topicPath(this.naming, topic, true),
      subscription: subscriptionName(this.naming, topic, true),
    };
  }

  private async publishRecords(topic: Topic, records: OutgoingRecord[], deadLetters = false): Promise<void> {
    if (this.closed) throw new QueueUnavailableError("queue closed");
    const path = topicPath(this.naming, topic, deadLetters);
    await this.ensureSubscription(path, subscriptionName(this.naming, topic, deadLetters));
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
      const n = this.admin.backlog(topicPath(this.naming, topic), subscriptionName(this.naming, topic));
      recent = { n, at: Date.now() };
      this.recentBacklog.set(topic, recent);
      n.catch(() => this.recentBacklog.delete(topic));
    }
    let waiting: number;
    try {
      waiting = await recent.n;
    } catch (error) {
      throw new QueueUnavailableError(`pulsar: ${error instanceof Error ? error.message : String(error)}`);
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
        throw new QueueUnavailableError(`pulsar: ${error instanceof Error ? error.message : String(error)}`);
      });
      this.subscriptionsReady.set(path, ready);
    }
    return ready;
  }
}
