import type WebSocket from "ws";
import { QueueUnavailableError } from "../../ports/queue.js";
import { type OutgoingRecord, parseProducerAck, producerFrame } from "./frames.js";
import { endpoint, openSocket } from "./socket.js";

interface Pending {
  resolve(): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** Messages sent on one socket before waiting for their confirmations. */
const WINDOW = 500;

/**
 * One producer socket for one topic: opened on first use, reopened after it closes. `send` resolves
 * once the broker confirmed every message as stored.
 */
export class PulsarProducer {
  private socket: Promise<WebSocket> | null = null;
  private readonly pending = new Map<string, Pending>();
  private context = 0;
  private closed = false;

  constructor(
    private readonly wsUrl: string,
    private readonly path: string,
    private readonly options: { token?: string; sendTimeoutMs: number; connectTimeoutMs: number },
  ) {}

  async send(records: OutgoingRecord[]): Promise<void> {
    for (let start = 0; start < records.length; start += WINDOW) {
      const socket = await this.connect();
      await Promise.all(records.slice(start, start + WINDOW).map((record) => this.sendOne(socket, record)));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const socket = this.socket;
    this.socket = null;
    this.failPending("producer closed");
    if (socket) (await socket.catch(() => null))?.close();
  }

  private sendOne(socket: WebSocket, record: OutgoingRecord): Promise<void> {
    const context = String(++this.context);
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(context);
        reject(new QueueUnavailableError("pulsar did not confirm a message in time"));
      }, this.options.sendTimeoutMs);
      this.pending.set(context, { resolve, reject, timer });
      socket.send(JSON.stringify(producerFrame(record, context)), (error) => {
        if (error) this.settle(context, new QueueUnavailableError(`pulsar send failed: ${error.message}`));
      });
    });
  }

  private connect(): Promise<WebSocket> {
    if (this.closed) return Promise.reject(new QueueUnavailableError("queue closed"));
    if (this.socket) return this.socket;
    const url = endpoint(this.wsUrl, `producer/persistent/${this.path}`, {
      sendTimeoutMillis: this.options.sendTimeoutMs,
      token: this.options.token,
    });
    const opening = openSocket(url, this.options.connectTimeoutMs).then(
      (socket) => {
        socket.on("message", (data) => this.onMessage(String(data)));
        socket.on("error", () => {});
        socket.on("close", () => {
          if (this.socket === opening) this.socket = null;
          this.failPending("pulsar producer connection closed");
        });
        return socket;
      },
      (error: Error) => {
        if (this.socket === opening) this.socket = null;
        throw new QueueUnavailableError(error.message);
      },
    );
    this.socket = opening;
    return opening;
  }

  private onMessage(text: string): void {
    const ack = parseProducerAck(text);
    if (!ack) return;
    this.settle(
      ack.context,
      ack.ok ? null : new QueueUnavailableError(`pulsar rejected a message: ${ack.error}`),
    );
  }

  private settle(context: string, error: Error | null): void {
    const pending = this.pending.get(context);
    if (!pending) return;
    this.pending.delete(context);
    clearTimeout(pending.timer);
    if (error) pending.reject(error);
    else pending.resolve();
  }

  private failPending(reason: string): void {
    for (const context of [...this.pending.keys()]) this.settle(context, new QueueUnavailableError(reason));
  }
}
