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

/**
 * The Pulsar topics of one queue topic (a stage): `fresh` carries what was published to the stage,
 * `retry` (`<topic>-retry`) the messages it put back for a retry or a deferral, `dead-letters`
 * (`<topic>-dead-letters`) those it gave up on.
 */
export type Lane = "fresh" | "retry" | "dead-letters";

const SUFFIX: Record<Lane, string> = { fresh: "", retry: "-retry", "dead-letters": "-dead-letters" };

/** `tenant/namespace/topic` of one lane of a queue topic. */
export function topicPath(naming: PulsarNaming, topic: Topic, lane: Lane = "fresh"): string {
  return `${naming.tenant}/${naming.namespace}/${naming.prefix}${topic}${SUFFIX[lane]}`;
}

/** The one durable subscription per lane that every consumer of the queue shares. */
export function subscriptionName(naming: PulsarNaming, topic: Topic, lane: Lane = "fresh"): string {
  return `${naming.prefix}${topic}${SUFFIX[lane]}`;
}

/** The HTTP (admin, WebSocket) base URL of a broker given by its service URL on a default port. */
export const webUrlFromServiceUrl = derivedWebUrl;

/** `ws(s)://…` for an `http(s)://…` base URL. */
export function wsUrlFromWebUrl(webUrl: string): string {
  return webUrl.replace(/^http/, "ws").replace(/\/+$/, "");
}
