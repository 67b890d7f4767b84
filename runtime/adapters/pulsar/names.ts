import type { Topic } from "../../ports/queue.js";
import { derivedWebUrl } from "../../pulsar-url/index.js";

/** Where the queue lives on the cluster, and how its topics and subscriptions are named. */
export interface PulsarNaming {
  tenant: string;
  namespace: string;
  /** Prepended to each topic name, e.g. `tracardi-` gives `tracardi-collector`. */
  prefix: string;
}

export const DEFAULT_NAMING: PulsarNaming = { tenant: "public", namespace: "default", prefix: "tracardi-" };

/** `tenant/namespace/topic` of a queue topic, or of its dead-letter topic. */
export function topicPath(naming: PulsarNaming, topic: Topic, deadLetters = false): string {
  const name = `${naming.prefix}${topic}${deadLetters ? "-dead-letters" : ""}`;
  return `${naming.tenant}/${naming.namespace}/${name}`;
}

/** The one durable subscription per topic that every consumer of the queue shares. */
export function subscriptionName(naming: PulsarNaming, topic: Topic, deadLetters = false): string {
  return `${naming.prefix}${topic}${deadLetters ? "-dead-letters" : ""}`;
}

/** The HTTP (admin, WebSocket) base URL of a broker given by its service URL on a default port. */
export const webUrlFromServiceUrl = derivedWebUrl;

/** `ws(s)://…` for an `http(s)://…` base URL. */
export function wsUrlFromWebUrl(webUrl: string): string {
  return webUrl.replace(/^http/, "ws").replace(/\/+$/, "");
}
