import { webUrlFromServiceUrl } from "./names.js";
import { PulsarQueue, type PulsarQueueOptions } from "./queue.js";

/** How to reach Pulsar, as configuration gives it. */
export interface PulsarConnection {
  /** `pulsar://host:6650` (what the operator passes) or the web URL `http(s)://host:8080` itself. */
  url: string;
  /** The broker's HTTP URL (admin and WebSocket APIs); derived from a `pulsar://` URL on default ports. */
  webUrl?: string;
  token?: string;
}

/** A PulsarQueue from connection settings (e.g. TRACARDI_PULSAR_URL, _WEB_URL, _TOKEN). */
export function openPulsarQueue(
  connection: PulsarConnection,
  options: Omit<PulsarQueueOptions, "webUrl" | "token"> = {},
): PulsarQueue {
  const webUrl =
    connection.webUrl ??
    (/^https?:/.test(connection.url) ? connection.url : webUrlFromServiceUrl(connection.url));
  return new PulsarQueue({ ...options, webUrl, token: connection.token || undefined });
}
