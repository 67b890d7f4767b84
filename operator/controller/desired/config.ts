import { createHash } from "node:crypto";
import type { V1ConfigMap } from "@kubernetes/client-node";
import { PRIVATE_PORT, PUBLIC_PORT, WORKER_HEALTH_PORT } from "../../api/defaults.js";
import type { Tracardi, TracardiSpec } from "../../api/types.js";
import { configMapName, instanceLabels } from "./labels.js";
import { controllerRef } from "./owner.js";

export const DATA_DIR = "/data";

export interface OperatorSettings {
  /** PEM public key that licences are verified against, handed to the runtime too. */
  licensePublicKey?: string;
}

/** The runtime configuration shared by every component (no secrets: those are Secret-ref env vars). */
export function runtimeConfig(spec: TracardiSpec, settings: OperatorSettings): Record<string, string> {
  const config: Record<string, string> = {
    TRACARDI_PUBLIC_PORT: String(PUBLIC_PORT),
    TRACARDI_PRIVATE_PORT: String(PRIVATE_PORT),
    TRACARDI_HEALTH_PORT: String(WORKER_HEALTH_PORT),
    TRACARDI_DATA_DIR: DATA_DIR,
    TRACARDI_QUEUE: spec.pulsar ? "pulsar" : "embedded",
    TRACARDI_STORE: spec.search.flavor,
    TRACARDI_SEARCH_URL: spec.search.url,
    TRACARDI_MYSQL_URL: `mysql://${spec.mysql.host}:${spec.mysql.port}/${spec.mysql.database}`,
    // Without a collector worker nobody consumes the collector topic: the public API must process inline.
    TRACARDI_PROCESS_INLINE: String(!spec.workers.collector.enabled),
    // Flows run in the collector stage (the collector worker, or the public API): no pod of their own.
    TRACARDI_WORKFLOW_ENABLED: String(spec.workers.workflow.enabled),
  };
  // APM off: no timed merge pass in any process (without Pulsar the public API would run one).
  if (!spec.workers.apm.enabled) config.TRACARDI_MERGE_INTERVAL_MS = "0";
  if (spec.pulsar) config.TRACARDI_PULSAR_URL = spec.pulsar.url;
  if (spec.pulsar?.webUrl) config.TRACARDI_PULSAR_WEB_URL = spec.pulsar.webUrl;
  if (spec.pulsar?.topicPrefix) config.TRACARDI_PULSAR_TOPIC_PREFIX = spec.pulsar.topicPrefix;
  if (spec.search.indexPrefix) config.TRACARDI_SEARCH_INDEX_PREFIX = spec.search.indexPrefix;
  if (settings.licensePublicKey) config.TRACARDI_LICENSE_PUBLIC_KEY = settings.licensePublicKey;
  return config;
}

export function configHash(data: Record<string, string>): string {
  const canonical = JSON.stringify(
    Object.keys(data)
      .sort()
      .map((k) => [k, data[k]]),
  );
  return createHash("sha256").update(canonical).digest("hex").slice(0, 16);
}

export function configMap(owner: Tracardi, data: Record<string, string>): V1ConfigMap {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name: configMapName(owner.metadata.name),
      namespace: owner.metadata.namespace,
      labels: instanceLabels(owner.metadata.name),
      ownerReferences: [controllerRef(owner)],
    },
    data,
  };
}
