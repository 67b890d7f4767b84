import type { Topic } from "../../ports/queue.js";

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

/**
 * The HTTP (admin, WebSocket) base URL of a broker given by its binary-protocol service URL:
 * `pulsar://host:6650` → `http://host:8080`, `pulsar+ssl://host:6651` → `https://host:8443`.
 * Only Pulsar's default ports are mapped; any other port needs the web URL configured.
 */
export function webUrlFromServiceUrl(serviceUrl: string): string {
  const url = new URL(serviceUrl);
  const tls = url.protocol === "pulsar+ssl:";
  if (!tls && url.protocol !== "pulsar:") throw new Error(`not a pulsar:// URL: ${url.protocol}`);
  const port = url.port || (tls ? "6651" : "6650");
  const webPort = { "6650": "8080", "6651": "8443" }[port];
  if (!webPort) throw new Error(`cannot derive the web URL from port ${port}; configure it explicitly`);
  return `${tls ? "https" : "http"}://${url.hostname}:${webPort}`;
}

/** `ws(s)://…` for an `http(s)://…` base URL. */
export function wsUrlFromWebUrl(webUrl: string): string {
  return webUrl.replace(/^http/, "ws").replace(/\/+$/, "");
}
