import type WebSocket from "ws";
import { ackFrame, nackFrame, parseReceived, permitFrame, type ReceivedMessage } from "./frames.js";
import { endpoint, openSocket } from "./socket.js";

export interface ConsumerSocketOptions {
  subscriptionType: "Key_Shared" | "Shared";
  token?: string;
  connectTimeoutMs: number;
  /** Redelivery delay of messages this consumer gives back (negative acknowledgement). */
  nackDelayMs: number;
  /**
   * The consumer's name: Key_Shared places consumers on its hash ring by name, so consumers of two
   * subscriptions with the same names get the same keys. The broker makes one up when absent.
   */
  consumerName?: string;
}

const ACK_FLUSH_MS = 300;

/**
 * A consumer socket in pull mode: messages come only as far as permits were given, so a consumer
 * that does not ask (paused, busy) leaves them on the broker. Reconnects after the socket closes;
 * messages buffered from a lost socket are dropped (the broker redelivers them).
 */
export class PulsarConsumerSocket {
  private socket: WebSocket | null = null;
  private connecting: Promise<void> | null = null;
  private buffer: ReceivedMessage[] = [];
  /** Permits given to the current socket and not yet used by a message. */
  private credit = 0;
  private wake: (() => void) | null = null;
  private closed = false;
  private lastAckAt = 0;

  constructor(
    private readonly wsUrl: string,
    private readonly path: string,
    private readonly subscription: string,
    private readonly options: ConsumerSocketOptions,
  ) {}

  /**
   * Up to `max` messages (and about `maxBytes` of payload, at least one message), waiting up to
   * `waitMs` for the first; [] on timeout or close.
   */
  async take(max: number, maxBytes: number, waitMs: number): Promise<ReceivedMessage[]> {
    if (this.closed) return [];
    try {
      await this.connect();
    } catch {
      await this.sleep(Math.min(waitMs, 1000));
      return [];
    }
    this.askFor(max * 2);
    if (this.buffer.length === 0) await this.sleep(waitMs);
    // Let messages already on the wire join the batch.
    if (this.buffer.length > 0 && this.buffer.length < max) await new Promise((r) => setTimeout(r, 2));
    const batch: ReceivedMessage[] = [];
    let bytes = 0;
    while (batch.length < max && this.buffer.length > 0) {
      const next = this.buffer[0] as ReceivedMessage;
      if (batch.length > 0 && bytes + next.text.length > maxBytes) break;
      bytes += next.text.length;
      batch.push(next);
      this.buffer.shift();
    }
    return batch;
  }

  /** Ends a `take` that waits for messages now (it returns what it has). */
  interrupt(): void {
    this.wake?.();
  }

  ack(messageId: string): void {
    this.socket?.send(ackFrame(messageId));
    this.lastAckAt = Date.now();
  }

  /** Gives a message back for redelivery after the consumer's negative-acknowledgement delay. */
  nack(messageId: string): void {
    this.socket?.send(nackFrame(messageId));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    await this.connecting?.catch(() => {});
    const socket = this.socket;
    if (!socket) return;
    // The WebSocket service acknowledges through a client that groups acks for up to 100 ms and was
    // seen to drop a group when the consumer closed right after: wait for the group to go out.
    const ackGroupWait = this.lastAckAt + ACK_FLUSH_MS - Date.now();
    if (ackGroupWait > 0) await new Promise((resolve) => setTimeout(resolve, ackGroupWait));
    this.socket = null;
    await new Promise<void>((resolve) => {
      socket.once("close", () => resolve());
      socket.close();
      setTimeout(resolve, 2000).unref();
    });
  }

  private askFor(wanted: number): void {
    const missing = wanted - this.buffer.length - this.credit;
    if (!this.socket || missing <= 0) return;
    this.credit += missing;
    this.socket.send(permitFrame(missing));
  }

  private connect(): Promise<void> {
    if (this.socket) return Promise.resolve();
    if (this.connecting) return this.connecting;
    const url = endpoint(
      this.wsUrl,
      `consumer/persistent/${this.path}/${encodeURIComponent(this.subscription)}`,
      {
        subscriptionType: this.options.subscriptionType,
        pullMode: true,
        negativeAckRedeliveryDelay: this.options.nackDelayMs,
        consumerName: this.options.consumerName,
        token: this.options.token,
      },
    );
    this.connecting = openSocket(url, this.options.connectTimeoutMs)
      .then((socket) => {
        if (this.closed) {
          socket.close();
          return;
        }
        this.socket = socket;
        this.credit = 0;
        this.buffer = [];
        socket.on("message", (data) => {
          const message = parseReceived(String(data));
          if (!message || this.socket !== socket) return;
          this.credit = Math.max(0, this.credit - 1);
          this.buffer.push(message);
          this.wake?.();
        });
        socket.on("error", () => {});
        socket.on("close", () => {
          if (this.socket === socket) this.socket = null;
          this.wake?.();
        });
      })
      .finally(() => {
        this.connecting = null;
      });
    return this.connecting;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        if (this.wake === done) this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}
