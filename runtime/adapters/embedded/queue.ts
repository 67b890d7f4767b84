import { errorMessage } from "../../error-message.js";
import type {
  BatchHandler,
  ConsumeOptions,
  DeadLetterFilter,
  DeadLetterPage,
  Delivery,
  ForwardMessage,
  Outcome,
  OutgoingMessage,
  ParkedLetter,
  Queue,
  Subscription,
  Topic,
} from "../../ports/queue.js";
import { byTopic, messageJson, QueueUnavailableError, TOPICS } from "../../ports/queue.js";
import { bodyOrText, handleIsolated, parseBody, serialiseForwards } from "../../ports/queue-isolation.js";
import type { Db, GroupCommit } from "./database.js";
import { deleteDeadLetters, matchingDeadLetters, pageDeadLetters } from "./dead-letters.js";
import { queueTable } from "./queue-schema.js";
import { processingWrite } from "./write-turns.js";

export interface EmbeddedQueueOptions {
  /** Publishing fails with 503 once this many messages wait on one topic. */
  maxBacklog: number;
  /** Idle consumers look for new or delayed messages at least this often. */
  pollIntervalMs: number;
  /** First retry delay; doubles per attempt. */
  retryBaseMs: number;
}

/**
 * Takes messages forwarded to a topic inside the transaction that settles the batch forwarding them,
 * instead of queuing them (standalone: the storage stage on the collector's thread and connection).
 */
export interface InlineConsumer {
  /**
   * Handles one message now (its writes join the settling transaction, in a savepoint of their own),
   * or answers null to have it queued as usual. What it returns is forwarded on, and `committed`
   * runs once the transaction is. A throw undoes its writes and queues the message as usual.
   */
  take(message: OutgoingMessage): { forward: ForwardMessage[]; committed: () => void } | null;
  /** About what taking `message` costs, in stored documents (settling transactions are cut by it). */
  weight(message: OutgoingMessage): number;
}

/** Weight of one settling transaction, at most (about: one message more may cross it). */
const SETTLE_WEIGHT = 250;

/** Rows a fetch looks at, at most, for a batch (keys only; the rest wait behind a retrying key). */
const FETCH_SCAN_LIMIT = 20_000;

interface Row {
  seq: number;
  key: string;
  body: string;
  attempts: number;
  /** When it was published (epoch ms; 0 if unknown): deferrals and retries keep the row, so its age. */
  enqueuedAt: number;
}

/** What this connection publishes for one group commit: written by one write, counted once per topic. */
interface Outbox {
  batch: number;
  messages: Map<Topic, OutgoingMessage[]>;
  committed: Promise<void>;
}

/**
 * A durable queue in the embedded SQLite file. A published message is on disk when `publish`
 * resolves. Consumers get batches in publish order; a message whose key has an earlier message
 * waiting for a retry is held back, so per-key order survives retries. Several connections (threads
 * or processes on one host) may share the file: backlog counts live in the file (kept by triggers),
 * and idle consumers poll.
 */
export class EmbeddedQueue implements Queue {
  /** Messages this connection has submitted but not yet committed, per topic. */
  private readonly uncommitted = new Map<Topic, number>();
  private readonly wakers = new Map<Topic, Set<() => void>>();
  private readonly subscriptions = new Set<EmbeddedSubscription>();
  private readonly statements: ReturnType<typeof prepareStatements>;
  private readonly topics: Record<Topic, ReturnType<typeof prepareTopicStatements>>;
  private outbox: Outbox | null = null;
  private readonly inline = new Map<Topic, InlineConsumer>();
  /** `take` of an inline consumer in a savepoint: its writes are undone when it throws. */
  private readonly inSavepoint: (
    run: () => ReturnType<InlineConsumer["take"]>,
  ) => ReturnType<InlineConsumer["take"]>;

  constructor(
    private readonly db: Db,
    private readonly commits: GroupCommit,
    private readonly options: EmbeddedQueueOptions,
  ) {
    this.statements = prepareStatements(db);
    this.topics = Object.fromEntries(TOPICS.map((t) => [t, prepareTopicStatements(db, t)])) as Record<
      Topic,
      ReturnType<typeof prepareTopicStatements>
    >;
    this.inSavepoint = db.transaction((run: () => ReturnType<InlineConsumer["take"]>) => run());
  }

  /**
   * From now on, messages forwarded to `topic` by a consumer of this queue are handed to `consumer`
   * while the topic has nothing waiting (so a key's messages keep their order). Published messages
   * are queued as before.
   */
  consumeInline(topic: Topic, consumer: InlineConsumer): void {
    this.inline.set(topic, consumer);
  }

  /** Whether forwards to `topic` may skip serialisation: an inline consumer takes them as objects. */
  takesInline(topic: Topic): boolean {
    return this.inline.has(topic);
  }

  /** Inside a transaction: the messages and their count. */
  private insert(topic: Topic, messages: readonly OutgoingMessage[]): void {
    const insert = this.topics[topic].insert;
    const now = Date.now();
    for (const message of messages)
      insert.run(message.key, message.json ?? JSON.stringify(message.body), now);
    this.statements.count_add.run(topic, messages.length);
  }

  /** The outbox of the group commit that a publish now joins. */
  private currentOutbox(): Outbox {
    if (this.outbox !== null && this.outbox.batch === this.commits.batch) return this.outbox;
    const messages = new Map<Topic, OutgoingMessage[]>();
    const committed = this.commits.submit(() => {
      for (const [topic, list] of messages) this.insert(topic, list);
    });
    this.outbox = { batch: this.commits.batch, messages, committed };
    return this.outbox;
  }

  publish(topic: Topic, messages: OutgoingMessage[]): Promise<void> {
    // Serialised here, not in the shared commit: a message that cannot be fails only this publish.
    let serialised: OutgoingMessage[];
    try {
      serialised = messages.map((message) => ({ key: message.key, body: null, json: messageJson(message) }));
    } catch (error) {
      return Promise.reject(error);
    }
    const pending = this.uncommitted.get(topic) ?? 0;
    const waiting = this.recentCount(topic) + pending;
    if (waiting + messages.length > this.options.maxBacklog) {
      return Promise.reject(
        new QueueUnavailableError(`queue topic "${topic}" is full (${waiting} messages waiting)`, 5),
      );
    }
    this.uncommitted.set(topic, pending + messages.length);
    const done = () =>
      this.uncommitted.set(topic, (this.uncommitted.get(topic) ?? messages.length) - messages.length);
    const outbox = this.currentOutbox();
    const list = outbox.messages.get(topic);
    if (list === undefined) outbox.messages.set(topic, serialised);
    else for (const message of serialised) list.push(message);
    return outbox.committed.then(
      () => {
        done();
        const cached = this.recentCounts.get(topic);
        if (cached) cached.n += messages.length;
        this.wake(topic);
      },
      (error: unknown) => {
        done();
        throw new QueueUnavailableError(`queue write failed: ${errorMessage(error)}`, 1);
      },
    );
  }

  consume<T>(topic: Topic, handler: BatchHandler<T>, options: ConsumeOptions): Subscription {
    const parallel = Math.max(1, options.parallel ?? 1);
    // A loop that takes batches while earlier ones run needs no siblings, which would only scan the
    // same rows again on every wake: one loop with room for what all of them would hold.
    const pipelined = (options.maxInFlight ?? 0) > options.maxBatch;
    const loops = pipelined
      ? [
          new EmbeddedSubscription(this, topic, handler as BatchHandler, {
            ...options,
            maxInFlight: (options.maxInFlight ?? 0) * parallel,
          }),
        ]
      : Array.from(
          { length: parallel },
          () => new EmbeddedSubscription(this, topic, handler as BatchHandler, options),
        );
    for (const loop of loops) {
      this.subscriptions.add(loop);
      loop.start();
    }
    return {
      close: async () => {
        for (const loop of loops) this.subscriptions.delete(loop);
        await Promise.all(loops.map((loop) => loop.stop()));
      },
    };
  }

  async backlog(): Promise<Record<Topic, number>> {
    return Object.fromEntries(TOPICS.map((t) => [t, this.count(t)])) as Record<Topic, number>;
  }

  async oldestWaitingSince(topic: Topic): Promise<number | null> {
    // 0: queued by a version that did not record the time.
    return this.topics[topic].oldest.get()?.enqueued_at || null;
  }

  async deadLetterCount(): Promise<number> {
    return this.statements.deadLetterCount.get()?.n ?? 0;
  }

  async deadLetters(
    filter: DeadLetterFilter = {},
    window = { limit: 100, offset: 0 },
  ): Promise<DeadLetterPage> {
    return pageDeadLetters(this.db, filter, window);
  }

  async replayDeadLetters(filter: DeadLetterFilter): Promise<number> {
    const topics = new Set<Topic>();
    let replayed = 0;
    this.db
      .transaction(() => {
        for (const letter of matchingDeadLetters(this.db, filter)) {
          if (!TOPICS.includes(letter.topic)) continue;
          this.insert(letter.topic, [{ key: letter.key, body: null, json: letter.body }]);
          this.statements.deadLetter_delete.run(letter.seq);
          topics.add(letter.topic);
          replayed++;
        }
      })
      .immediate();
    for (const topic of topics) this.wake(topic);
    return replayed;
  }

  async deleteDeadLetters(filter: DeadLetterFilter): Promise<number> {
    return deleteDeadLetters(this.db, filter);
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    this.subscriptions.clear();
    this.commits.flush();
  }

  private count(topic: Topic): number {
    return this.statements.count.get(topic)?.n ?? 0;
  }

  private readonly recentCounts = new Map<Topic, { n: number; at: number }>();

  /** The backlog bound is soft: a count up to 10 ms old is good enough and keeps /track cheap. */
  private recentCount(topic: Topic): number {
    const now = Date.now();
    const cached = this.recentCounts.get(topic);
    if (cached && now - cached.at < 10) return cached.n;
    const n = this.count(topic);
    this.recentCounts.set(topic, { n, at: now });
    return n;
  }

  /** @internal used by subscriptions */
  subscribeWake(topic: Topic, wake: () => void): () => void {
    let set = this.wakers.get(topic);
    if (!set) {
      set = new Set();
      this.wakers.set(topic, set);
    }
    set.add(wake);
    return () => set.delete(wake);
  }

  /**
   * @internal The next batch in publish order, skipping keys that wait: those with a message in a
   * loop's hands and those whose earlier message waits for a retry or a deferral. The scan reads keys
   * only and goes on past skipped rows; on the dispatch topic it never reads the waiting messages
   * themselves (indexes lead past them), so however many messages of a failing destination wait for
   * their turn, finding the ready ones costs what they cost.
   */
  fetch(topic: Topic, limit: number, maxBytes = Number.POSITIVE_INFINITY): Row[] {
    const now = Date.now();
    const busy = this.inFlightKeys(topic);
    const statements = this.topics[topic];
    const candidates: Omit<Row, "body" | "enqueuedAt">[] = [];
    let scanned = 0;
    for (const row of statements.ready.iterate({ now }) as Iterable<Omit<Row, "body" | "enqueuedAt">>) {
      if (++scanned > FETCH_SCAN_LIMIT) break;
      if (busy.has(row.key)) continue;
      candidates.push(row);
      if (candidates.length >= limit) break;
    }
    // Big batches make long transactions, and other connections (intake) wait for the write lock.
    const batch: Row[] = [];
    let bytes = 0;
    for (const row of candidates) {
      const stored = statements.body.get(row.seq);
      const body = stored?.body ?? "null";
      if (batch.length > 0 && bytes + body.length > maxBytes) break;
      bytes += body.length;
      batch.push({ ...row, body, enqueuedAt: stored?.enqueued_at ?? 0 });
    }
    for (const row of batch) busy.set(row.key, (busy.get(row.key) ?? 0) + 1);
    return batch;
  }

  /** Keys with messages being handled by a loop of this queue: other loops leave them alone (order). */
  private readonly inFlight = new Map<Topic, Map<string, number>>();

  private inFlightKeys(topic: Topic): Map<string, number> {
    let keys = this.inFlight.get(topic);
    if (!keys) {
      keys = new Map();
      this.inFlight.set(topic, keys);
    }
    return keys;
  }

  /** @internal Rows a loop took and will not settle: left as they are, their keys free again. */
  giveBack(topic: Topic, rows: Row[]): void {
    this.release(topic, rows);
    if (rows.length > 0) this.wake(topic);
  }

  private release(topic: Topic, rows: Row[]): void {
    const keys = this.inFlightKeys(topic);
    for (const row of rows) {
      const n = (keys.get(row.key) ?? 1) - 1;
      if (n <= 0) keys.delete(row.key);
      else keys.set(row.key, n);
    }
  }

  /**
   * @internal Settles one handled batch in one transaction. Should that fail for something in the
   * batch (not the database being busy or broken), each message is settled in its own, and a message
   * that cannot be settled as decided is retried with the reason.
   */
  settle(topic: Topic, rows: Row[], outcomes: Outcome[], options: ConsumeOptions): void {
    const forwarded = new Set<Topic>();
    const parked: ParkedLetter[] = [];
    const committed: (() => void)[] = [];
    try {
      for (const [from, to] of this.chunks(outcomes)) {
        const chunk = rows.slice(from, to);
        const decided = outcomes.slice(from, to);
        const done: (() => void)[] = [];
        try {
          processingWrite(() =>
            this.db
              .transaction(() => this.settleRows(topic, chunk, decided, options, forwarded, parked, done))
              .immediate(),
          );
          committed.push(...done);
        } catch (error) {
          if (isUnavailable(error)) throw error;
          chunk.forEach((row, i) =>
            this.settleAlone(topic, row, decided[i], options, forwarded, parked, committed),
          );
        }
      }
    } finally {
      this.release(topic, rows);
      // What was committed before a failure stays committed: report it.
      for (const done of committed) done();
      for (const target of forwarded) this.wake(target);
      for (const letter of parked) options.onDeadLetter?.(letter);
    }
  }

  /**
   * Index ranges of a batch settled one transaction each: while it runs the file's write lock is
   * held, and an inline consumer's writes make it long, so those are cut at about
   * SETTLE_WEIGHT of its weight (a stored event each).
   */
  private chunks(outcomes: Outcome[]): [number, number][] {
    const ranges: [number, number][] = [];
    let from = 0;
    let weight = 0;
    outcomes.forEach((outcome, index) => {
      weight += 1;
      if (outcome?.kind === "ack")
        for (const message of outcome.forward ?? [])
          weight += this.inline.get(message.topic)?.weight(message) ?? 0;
      if (weight >= SETTLE_WEIGHT) {
        ranges.push([from, index + 1]);
        from = index + 1;
        weight = 0;
      }
    });
    if (from < outcomes.length) ranges.push([from, outcomes.length]);
    return ranges;
  }

  private settleAlone(
    topic: Topic,
    row: Row,
    outcome: Outcome | undefined,
    options: ConsumeOptions,
    forwarded: Set<Topic>,
    parked: ParkedLetter[],
    committed: (() => void)[],
  ): void {
    const settleAs = (decided: Outcome | undefined) => {
      const mine: ParkedLetter[] = [];
      const done: (() => void)[] = [];
      processingWrite(() =>
        this.db
          .transaction(() => this.settleRows(topic, [row], [decided], options, forwarded, mine, done))
          .immediate(),
      );
      parked.push(...mine);
      committed.push(...done);
    };
    try {
      settleAs(outcome);
    } catch (error) {
      settleAs({ kind: "retry", reason: `could not settle the message: ${errorMessage(error)}` });
    }
  }

  /** Inside a transaction: carries out each row's outcome; adds the topics it forwarded to. */
  private settleRows(
    topic: Topic,
    rows: Row[],
    outcomes: (Outcome | undefined)[],
    options: ConsumeOptions,
    forwardedTo: Set<Topic>,
    parked: ParkedLetter[],
    committed: (() => void)[],
  ): void {
    const now = Date.now();
    const statements = this.topics[topic];
    const forwarded: ForwardMessage[] = [];
    rows.forEach((row, i) => {
      const outcome = outcomes[i] ?? { kind: "retry", reason: "handler returned no outcome" };
      if (outcome.kind === "ack") {
        statements.delete.run(row.seq);
        forwarded.push(...(outcome.forward ?? []));
        return;
      }
      if (outcome.kind === "defer") {
        // Stays without an attempt counted: held back by its key's failed message, or for a while.
        if (outcome.delayMs) statements.delay.run(now + outcome.delayMs, row.seq);
        return;
      }
      const attempts = row.attempts + 1;
      if (outcome.kind === "dead-letter" || attempts >= options.maxAttempts) {
        this.statements.deadLetter.run(
          topic,
          row.key,
          row.body,
          outcome.reason,
          attempts,
          new Date(now).toISOString(),
        );
        statements.delete.run(row.seq);
        parked.push({ topic, key: row.key, reason: outcome.reason, attempts });
        return;
      }
      const base = options.retryBaseMs ?? this.options.retryBaseMs;
      const delay = Math.min(base * 2 ** (attempts - 1), options.retryMaxMs ?? 5 * 60_000);
      statements.retry.run(attempts, now + delay, outcome.reason, row.seq);
    });
    for (const [target, messages] of byTopic(forwarded)) {
      const queued = this.takeInline(target, messages, forwardedTo, committed);
      if (queued.length === 0) continue;
      this.insert(target, queued);
      forwardedTo.add(target);
    }
  }

  /**
   * Inside a transaction: hands `messages` to the topic's inline consumer while the topic has
   * nothing waiting, in order; from the first it does not take, the rest are returned to be queued.
   */
  private takeInline(
    topic: Topic,
    messages: OutgoingMessage[],
    forwardedTo: Set<Topic>,
    committed: (() => void)[],
  ): OutgoingMessage[] {
    const consumer = this.inline.get(topic);
    if (consumer === undefined || this.count(topic) > 0) return messages;
    for (const [index, message] of messages.entries()) {
      let taken: ReturnType<InlineConsumer["take"]>;
      try {
        taken = this.inSavepoint(() => {
          const result = consumer.take(message);
          // Serialised here: a forward that cannot be undoes the take, and the message is queued.
          if (result) for (const next of result.forward) next.json = messageJson(next);
          return result;
        });
      } catch {
        taken = null;
      }
      if (taken === null) return messages.slice(index);
      committed.push(taken.committed);
      for (const [target, list] of byTopic(taken.forward)) {
        this.insert(target, list);
        forwardedTo.add(target);
      }
    }
    return [];
  }

  get retryBaseMs(): number {
    return this.options.retryBaseMs;
  }

  get pollIntervalMs(): number {
    return this.options.pollIntervalMs;
  }

  private wake(topic: Topic): void {
    for (const wake of this.wakers.get(topic) ?? []) wake();
  }
}

/**
 * One consume loop. With `maxInFlight` above `maxBatch` it takes the next batch while earlier ones
 * still run, up to that many messages taken and not yet settled, so one slow delivery does not hold
 * the loop; the queue never hands out a message whose key has one in a loop's hands (per-key order).
 * Without it, one batch at a time.
 */
class EmbeddedSubscription {
  private running = false;
  private loop: Promise<void> | null = null;
  /** Ends the loop's wait: something was published, or a message of this loop settled. */
  private nudge: (() => void) | null = null;
  private unsubscribe: (() => void) | null = null;
  private readonly batches = new Set<Promise<void>>();
  /** Messages taken by this loop and not settled yet. */
  private inFlight = 0;
  /** No new batch until then: settling failed (the database is busy or broken). */
  private backoffUntil = 0;
  private readonly maxInFlight: number;

  constructor(
    private readonly queue: EmbeddedQueue,
    private readonly topic: Topic,
    private readonly handler: BatchHandler,
    private readonly options: ConsumeOptions,
  ) {
    this.maxInFlight = Math.max(options.maxBatch, options.maxInFlight ?? options.maxBatch);
  }

  start(): void {
    this.running = true;
    this.unsubscribe = this.queue.subscribeWake(this.topic, () => this.nudge?.());
    this.loop = this.run();
  }

  /** Stops taking batches and waits for those in hand. */
  async stop(): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    this.nudge?.();
    await this.loop;
    await Promise.all(this.batches);
  }

  /** Never ends on an error: one that escapes a batch is logged, and the loop goes on after a pause. */
  private async run(): Promise<void> {
    while (this.running) {
      try {
        const room = Math.min(this.options.maxBatch, this.maxInFlight - this.inFlight);
        const waiting = this.options.paused?.() || room <= 0 || Date.now() < this.backoffUntil;
        const batch = waiting ? null : this.take(room);
        if (batch === null) await this.idle();
        // One batch at a time: the next is taken when this one is done.
        else if (this.maxInFlight === this.options.maxBatch) await batch;
      } catch (error) {
        this.loopError(error);
        await this.idle();
      }
      // Let the HTTP side of the process breathe between batches.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private loopError(error: unknown): void {
    process.stderr.write(`queue topic "${this.topic}": consume loop error: ${errorMessage(error)}\n`);
    this.options.onLoopError?.(error);
  }

  /** Takes a batch and starts handling it; null when there was nothing to take. */
  private take(room: number): Promise<void> | null {
    const rows = this.queue.fetch(this.topic, room, this.options.maxBatchBytes);
    if (rows.length === 0) return null;
    this.inFlight += rows.length;
    const open = new Set(rows.keys());
    const settled = (indices: number[]) => {
      const wasFull = this.inFlight >= this.maxInFlight;
      for (const index of indices) if (open.delete(index)) this.inFlight--;
      // Room again. (A settled key's next message is found by the next wake or poll.)
      if (wasFull) this.nudge?.();
    };
    const batch = this.handle(rows, settled)
      .catch((error: unknown) => {
        this.loopError(error);
        this.backoffUntil = Date.now() + this.queue.pollIntervalMs;
        // Not settled: they stay in the queue as they were and come again.
        this.queue.giveBack(
          this.topic,
          [...open].map((index) => rows[index] as Row),
        );
        settled([...open]);
      })
      .finally(() => this.batches.delete(batch));
    this.batches.add(batch);
    return batch;
  }

  /** Handles and settles one batch, telling `settled` which rows are settled as they are. */
  private async handle(rows: Row[], settled: (indices: number[]) => void): Promise<void> {
    const outcomes: Outcome[] = new Array(rows.length);
    const deliveries: Delivery[] = [];
    const handled: number[] = [];
    for (const [index, row] of rows.entries()) {
      const parsed = parseBody(row.body);
      if (!parsed.ok) {
        // Not something a handler can ever take: no use retrying it.
        outcomes[index] = { kind: "dead-letter", reason: parsed.reason };
        continue;
      }
      handled.push(index);
      deliveries.push({
        id: String(row.seq),
        topic: this.topic,
        key: row.key,
        body: parsed.body,
        attempt: row.attempts + 1,
        ...(row.enqueuedAt > 0 ? { queuedAt: row.enqueuedAt } : {}),
      });
    }
    const early = new EarlySettlement((indices) => {
      try {
        this.queue.settle(
          this.topic,
          indices.map((index) => rows[index] as Row),
          indices.map((index) => outcomes[index] as Outcome),
          this.options,
        );
      } catch (error) {
        // Not settled: the rows stay in the queue and come again.
        process.stderr.write(`queue topic "${this.topic}": could not settle: ${errorMessage(error)}\n`);
      } finally {
        settled(indices);
      }
    });
    if (deliveries.length > 0) {
      const inline = (topic: Topic) => this.queue.takesInline(topic);
      const pauseMs = this.options.retryBaseMs ?? this.queue.retryBaseMs;
      const settleEarly = (n: number, outcome: Outcome) => {
        const index = handled[n] as number;
        outcomes[index] = serialiseForwards([outcome], inline)[0] as Outcome;
        early.add(index);
      };
      const decided = await handleIsolated(this.handler, deliveries, pauseMs, settleEarly);
      const rest = serialiseForwards(decided, inline);
      for (const [n, index] of handled.entries()) if (!early.has(index)) outcomes[index] = rest[n] as Outcome;
    }
    early.flush();
    const left = rows.flatMap((_, index) => (early.has(index) ? [] : [index]));
    if (left.length === 0) return;
    try {
      this.queue.settle(
        this.topic,
        left.map((index) => rows[index] as Row),
        left.map((index) => outcomes[index] as Outcome),
        this.options,
      );
    } finally {
      // Settled, or (the database failing) left in the queue with their keys free: either way done here.
      settled(left);
    }
  }

  private idle(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.queue.pollIntervalMs);
      const self = this;
      function done(): void {
        clearTimeout(timer);
        if (self.nudge === done) self.nudge = null;
        resolve();
      }
      this.nudge = done;
    });
  }
}

/**
 * Deliveries of a batch settled before the batch is done: gathered for a turn of the event loop and
 * settled together, so a batch of fast keys still costs few transactions.
 */
class EarlySettlement {
  private readonly settled = new Set<number>();
  private pending: number[] = [];
  private scheduled = false;

  constructor(private readonly settle: (indices: number[]) => void) {}

  add(index: number): void {
    this.settled.add(index);
    this.pending.push(index);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  has(index: number): boolean {
    return this.settled.has(index);
  }

  flush(): void {
    this.scheduled = false;
    const indices = this.pending;
    this.pending = [];
    if (indices.length > 0) this.settle(indices);
  }
}

function prepareTopicStatements(db: Db, topic: Topic) {
  const table = queueTable(topic);
  return {
    insert: db.prepare(`INSERT INTO ${table} (key, body, enqueued_at) VALUES (?, ?, ?)`),
    oldest: db.prepare<[], { enqueued_at: number }>(`SELECT enqueued_at FROM ${table} ORDER BY seq LIMIT 1`),
    ready: db.prepare(readySql(table)),
    delete: db.prepare(`DELETE FROM ${table} WHERE seq = ?`),
    retry: db.prepare(`UPDATE ${table} SET attempts = ?, available_at = ?, last_error = ? WHERE seq = ?`),
    delay: db.prepare(`UPDATE ${table} SET available_at = ? WHERE seq = ?`),
    body: db.prepare<[number], { body: string; enqueued_at: number }>(
      `SELECT body, enqueued_at FROM ${table} WHERE seq = ?`,
    ),
  };
}

/**
 * @internal The messages ready now, in publish order, without those behind an earlier message of
 * their key that waits for its retry or deferral (asked per message through the index of waiting
 * messages by key): the never delayed ones (on the dispatch topic through their own index) merged
 * with those whose time has come (through the index of waiting messages by time).
 */
export function readySql(table: string): string {
  const notBehindWaiting = `NOT EXISTS (SELECT 1 FROM ${table} AS w WHERE w.key = m.key AND w.available_at > 0
      AND w.available_at > @now AND w.seq < m.seq)`;
  return `SELECT seq, key, attempts FROM ${table} AS m WHERE available_at = 0 AND ${notBehindWaiting}
    UNION ALL
    SELECT seq, key, attempts FROM ${table} AS m WHERE available_at > 0 AND available_at <= @now AND ${notBehindWaiting}
    ORDER BY seq`;
}

function prepareStatements(db: Db) {
  return {
    count: db.prepare<[string], { n: number }>("SELECT n FROM queue_counts WHERE topic = ?"),
    count_add: db.prepare(
      "INSERT INTO queue_counts (topic, n) VALUES (?, ?) ON CONFLICT (topic) DO UPDATE SET n = n + excluded.n",
    ),
    deadLetterCount: db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM queue_dead_letters"),
    deadLetter_delete: db.prepare("DELETE FROM queue_dead_letters WHERE seq = ?"),
    deadLetter: db.prepare(
      "INSERT INTO queue_dead_letters (topic, key, body, reason, attempts, failed_at) VALUES (?, ?, ?, ?, ?, ?)",
    ),
  };
}

/** The database cannot take writes now (busy, full, failing): settling message by message would not help. */
function isUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    typeof code === "string" &&
    /^SQLITE_(BUSY|LOCKED|IOERR|FULL|READONLY|CANTOPEN|NOMEM|INTERRUPT)/.test(code)
  );
}
