import type { Properties } from "./frames.js";

/** A message read with the admin API's peek (it stays where it is). */
export interface PeekedMessage {
  key: string;
  text: string;
  properties: Properties;
}

/** The few admin REST calls the queue needs. Throws on anything but the expected answers. */
export class PulsarAdmin {
  private readonly base: string;

  constructor(
    webUrl: string,
    private readonly token?: string,
    private readonly timeoutMs = 10_000,
  ) {
    this.base = `${webUrl.replace(/\/+$/, "")}/admin/v2/persistent`;
  }

  /** Creates the topic's durable subscription at the topic's end unless it exists. */
  async ensureSubscription(path: string, subscription: string): Promise<void> {
    const response = await this.request("PUT", `${path}/subscription/${encodeURIComponent(subscription)}`);
    if (response.status !== 204 && response.status !== 409)
      throw await failure(response, "create subscription");
  }

  /** Messages of the subscription not yet acknowledged (delayed ones included); 0 if there is no topic. */
  async backlog(path: string, subscription: string): Promise<number> {
    const response = await this.request("GET", `${path}/stats`);
    if (response.status === 404) return 0;
    if (response.status !== 200) throw await failure(response, "topic stats");
    const stats = (await response.json()) as { subscriptions?: Record<string, { msgBacklog?: number }> };
    return stats.subscriptions?.[subscription]?.msgBacklog ?? 0;
  }

  /**
   * When the subscription's oldest unacknowledged message was published (epoch ms), from the topic
   * stats with `getEarliestTimeInBacklog`; null without a backlog or a topic.
   */
  async oldestWaitingSince(path: string, subscription: string): Promise<number | null> {
    const response = await this.request("GET", `${path}/stats?getEarliestTimeInBacklog=true`);
    if (response.status === 404) {
      await response.body?.cancel();
      return null;
    }
    if (response.status !== 200) throw await failure(response, "topic stats");
    const stats = (await response.json()) as {
      subscriptions?: Record<string, { msgBacklog?: number; earliestMsgPublishTimeInBacklog?: number }>;
    };
    const stat = stats.subscriptions?.[subscription];
    if (!stat?.msgBacklog || !stat.earliestMsgPublishTimeInBacklog) return null;
    return stat.earliestMsgPublishTimeInBacklog;
  }

  /** The n-th (from 1) unacknowledged message of the subscription, or null past the end. */
  async peek(path: string, subscription: string, n: number): Promise<PeekedMessage | null> {
    const response = await this.request(
      "GET",
      `${path}/subscription/${encodeURIComponent(subscription)}/position/${n}`,
    );
    if (response.status === 404 || response.status === 412) {
      await response.body?.cancel();
      return null;
    }
    if (response.status !== 200) throw await failure(response, "peek");
    const properties = JSON.parse(response.headers.get("x-pulsar-property") ?? "{}") as Properties;
    let key = response.headers.get("x-pulsar-partition-key") ?? "";
    if (response.headers.get("x-pulsar-partition-key-b64-encoded") === "true") {
      key = Buffer.from(key, "base64").toString("utf8");
    }
    // Decoded as stored: Response.text() would drop a leading byte-order mark.
    const text = Buffer.from(await response.arrayBuffer()).toString("utf8");
    return { key, text, properties };
  }

  private request(method: string, path: string): Promise<Response> {
    const headers: Record<string, string> = {};
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    return fetch(`${this.base}/${path}`, { method, headers, signal: AbortSignal.timeout(this.timeoutMs) });
  }
}

async function failure(response: Response, what: string): Promise<Error> {
  const text = (await response.text().catch(() => "")).slice(0, 300);
  return new Error(`pulsar admin ${what}: HTTP ${response.status} ${text}`);
}
