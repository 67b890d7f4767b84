import { DEFAULT_NAMING } from "../../runtime/adapters/pulsar/names.js";
import { derivedWebUrl } from "../../runtime/pulsar-url/index.js";
import type { PulsarSpec } from "../api/types.js";
import type { PulsarAdminConnection } from "./stats.js";

/**
 * Where the runtime of this spec keeps its queue: the web URL it uses (spec.pulsar.webUrl, or derived
 * from the service URL as the runtime derives it) and its topic names (public/default, topicPrefix).
 */
export function pulsarAdminConnection(pulsar: PulsarSpec, token?: string): PulsarAdminConnection {
  const connection: PulsarAdminConnection = {
    webUrl: pulsar.webUrl ?? derivedWebUrl(pulsar.url),
    naming: { ...DEFAULT_NAMING, prefix: pulsar.topicPrefix ?? DEFAULT_NAMING.prefix },
  };
  if (token) connection.token = token;
  return connection;
}
