import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseDuration } from "./domain/event-ids.js";
import type { JsonLimits } from "./domain/json-limits.js";
import { DEFAULT_IGNORED_MERGE_VALUES } from "./domain/merge-keys.js";
import { pulsarAddressProblem } from "./pulsar-url/index.js";
import { DEFAULT_MAX_AGE_MS } from "./stages/dispatch/max-age.js";
import type { RestartPolicy } from "./supervision.js";

/** Runtime settings, from environment variables (names shared with the operator's ConfigMap). */
export interface RuntimeConfig {
  host: string;
  publicPort: number;
  privatePort: number;
  healthPort: number;
  /** Port of the console (`tracardi gui`, and the standalone process); 0 in standalone: no console. */
  guiPort: number;
  /** The private API the console proxies `/api/` to; default: this host's private port. */
  guiApiUrl: string;
  /** The public API as sites reach it, for the console's snippets; null: the console's host, port 8686. */
  guiPublicApiUrl: string | null;
  dataDir: string;
  /** Bearer token of the private API; generated and kept in the data dir when not given. */
  adminToken: string | null;
  bodyLimitBytes: number;
  maxEventsPerPayload: number;
  /** How deep and wide request bodies and query strings may be (TRACARDI_MAX_JSON_*). */
  jsonLimits: JsonLimits;
  /** Messages waiting on one topic before /track answers 503. */
  maxBacklog: number;
  sourceCacheTtlMs: number;
  disallowBotTraffic: boolean;
  /** The public API also runs the collector stage (no collector worker): see runtime/processes.ts. */
  processInline: boolean;
  workflowEnabled: boolean;
  storageBatchSize: number;
  collectorBatchSize: number;
  /** TRACARDI_DEDUPE_WINDOW in ms: a client event id re-sent by its owner within it is dropped. */
  dedupeWindowMs: number;
  maxDeliveryAttempts: number;
  /** First retry delay of a failed destination delivery; doubles per attempt up to the max. */
  dispatchRetryBaseMs: number;
  dispatchRetryMaxMs: number;
  /** TRACARDI_DISPATCH_MAX_CONCURRENCY: deliveries in flight to one destination at most (the limit adapts below it). */
  dispatchMaxConcurrency: number;
  /** TRACARDI_DISPATCH_MAX_AGE: a delivery its destination still turns away at this age is dead-lettered; 0: never. */
  dispatchMaxAgeMs: number;
  /** Salt of hashed merge ids (Tracardi's AUTO_PROFILE_MERGING); empty switches merging off. */
  mergeSalt: string | null;
  /** How often the merge pass looks for profiles marked for merging; 0: only when asked. */
  mergeIntervalMs: number;
  /** Merge-key values that never identify anyone: the built-in list plus TRACARDI_MERGE_IGNORED_VALUES. */
  mergeIgnoredValues: string[];
  /** A merge id held by more profiles than this merges nothing automatically (0: no cap). */
  mergeMaxProfiles: number;
  /** How long `/track` waits for the `response`/`ux` of workflows it triggered (inline processing only). */
  inlineWorkflowTimeoutMs: number;
  /** How often each process checks its backends and logs what changed (`backend problem: …`). */
  backendCheckMs: number;
  /** A stage whose oldest waiting message is older than this while it settles none makes `/readyz` 503; 0: never. */
  stallMs: number;
  /** TRACARDI_LOG_RETENTION_DAYS: monitoring log entries older than this are deleted; 0 keeps them. */
  logRetentionDays: number;
  /** How the processing thread is restarted after a crash, and when its crashing is reported. */
  restarts: RestartPolicy;
  /** Remote calls and webhooks may reach loopback, link-local and the cluster's own addresses. */
  httpAllowPrivate: boolean;
  /** Licence key (from a Secret in Kubernetes); null: open-source mode. */
  licenseKey: string | null;
  /** PEM of the Ed25519 key licences are checked against. */
  licensePublicKey: string | null;
  /** Where each port is served; everything embedded (one SQLite file in dataDir) by default. */
  backends: BackendSettings;
}

export interface BackendSettings {
  queue: { kind: "embedded" } | PulsarSettings;
  store: { kind: "embedded" } | SearchSettings;
  config: { kind: "embedded" } | MysqlSettings;
}

export interface PulsarSettings {
  kind: "pulsar";
  /** Broker service URL, `pulsar://host:6650` (what the operator passes). */
  serviceUrl: string;
  /** Web service URL (WebSocket and admin REST); null: derived from the service URL (default ports). */
  webUrl: string | null;
  token: string | null;
  tenant: string;
  namespace: string;
  /** Prepended to every topic name (`tracardi-collector`, …). */
  topicPrefix: string;
}

export interface SearchSettings {
  kind: "opensearch" | "elasticsearch";
  url: string;
  user: string | null;
  password: string | null;
  indexPrefix: string;
  /**
   * Whether each stored batch forces a refresh (searchable when stored) or is searchable within
   * the index's refresh interval (`false`: no new segment per batch; merges refresh first).
   */
  refresh: boolean;
}

export interface MysqlSettings {
  kind: "mysql";
  /** `mysql://host:port/database`. */
  url: string;
  user: string | null;
  password: string | null;
  /** A connection or statement that takes longer fails (503 at `/track`). */
  timeoutMs: number;
}

/** Used when no salt is configured; changing the salt later invalidates every hashed id. */
export const DEFAULT_MERGE_SALT = "tracardi-ts-default-merge-salt";

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env, cwd = process.cwd()): RuntimeConfig {
  return {
    host: env.TRACARDI_HOST ?? "0.0.0.0",
    publicPort: int(env, "TRACARDI_PUBLIC_PORT", 8686),
    privatePort: int(env, "TRACARDI_PRIVATE_PORT", 8687),
    healthPort: int(env, "TRACARDI_HEALTH_PORT", 8688),
    guiPort: int(env, "TRACARDI_GUI_PORT", 8787),
    guiApiUrl: env.TRACARDI_GUI_API_URL || `http://127.0.0.1:${int(env, "TRACARDI_PRIVATE_PORT", 8687)}`,
    guiPublicApiUrl: env.TRACARDI_GUI_PUBLIC_API_URL || null,
    dataDir: resolve(cwd, env.TRACARDI_DATA_DIR ?? "tracardi-data"),
    adminToken: env.TRACARDI_ADMIN_TOKEN && env.TRACARDI_ADMIN_TOKEN !== "" ? env.TRACARDI_ADMIN_TOKEN : null,
    bodyLimitBytes: int(env, "TRACARDI_BODY_LIMIT", 1024 * 1024),
    maxEventsPerPayload: int(env, "TRACARDI_MAX_EVENTS_PER_PAYLOAD", 1000),
    jsonLimits: jsonLimits(env),
    maxBacklog: int(env, "TRACARDI_MAX_BACKLOG", 1_000_000),
    sourceCacheTtlMs: int(env, "TRACARDI_SOURCE_CACHE_TTL_MS", 2000),
    disallowBotTraffic: bool(env, "TRACARDI_DISALLOW_BOT_TRAFFIC", true),
    processInline: bool(env, "TRACARDI_PROCESS_INLINE", true),
    workflowEnabled: bool(env, "TRACARDI_WORKFLOW_ENABLED", true),
    storageBatchSize: int(env, "TRACARDI_STORAGE_BATCH", 200),
    collectorBatchSize: int(env, "TRACARDI_COLLECTOR_BATCH", 50),
    dedupeWindowMs: duration(env, "TRACARDI_DEDUPE_WINDOW", 24 * 3_600_000),
    maxDeliveryAttempts: int(env, "TRACARDI_MAX_DELIVERY_ATTEMPTS", 10),
    dispatchRetryBaseMs: int(env, "TRACARDI_DISPATCH_RETRY_BASE_MS", 2000),
    dispatchRetryMaxMs: int(env, "TRACARDI_DISPATCH_RETRY_MAX_MS", 5 * 60_000),
    dispatchMaxConcurrency: positive(env, "TRACARDI_DISPATCH_MAX_CONCURRENCY", 64),
    dispatchMaxAgeMs: duration(env, "TRACARDI_DISPATCH_MAX_AGE", DEFAULT_MAX_AGE_MS),
    mergeSalt: mergeSalt(env.TRACARDI_AUTO_PROFILE_MERGING),
    mergeIntervalMs: int(env, "TRACARDI_MERGE_INTERVAL_MS", 5000),
    mergeIgnoredValues: [
      ...DEFAULT_IGNORED_MERGE_VALUES,
      ...(env.TRACARDI_MERGE_IGNORED_VALUES ?? "").split(",").filter((v) => v.trim() !== ""),
    ],
    mergeMaxProfiles: int(env, "TRACARDI_MERGE_MAX_PROFILES", 50),
    inlineWorkflowTimeoutMs: int(env, "TRACARDI_INLINE_WORKFLOW_TIMEOUT_MS", 2000),
    backendCheckMs: int(env, "TRACARDI_BACKEND_CHECK_MS", 10_000),
    stallMs: int(env, "TRACARDI_STALL_SECONDS", 120) * 1000,
    logRetentionDays: int(env, "TRACARDI_LOG_RETENTION_DAYS", 7),
    restarts: {
      maxRestarts: int(env, "TRACARDI_MAX_RESTARTS", 5),
      windowMs: int(env, "TRACARDI_RESTART_WINDOW_SECONDS", 600) * 1000,
      baseDelayMs: 1000,
      maxDelayMs: 60_000,
    },
    httpAllowPrivate: bool(env, "TRACARDI_HTTP_ALLOW_PRIVATE", false),
    licenseKey: env.TRACARDI_LICENSE?.trim() ? env.TRACARDI_LICENSE.trim() : null,
    licensePublicKey: publicKey(env),
    backends: backendSettings(env),
  };
}

/** TRACARDI_QUEUE, TRACARDI_STORE and TRACARDI_MYSQL_URL pick the adapters (names as the operator sets them). */
export function backendSettings(env: Env): BackendSettings {
  return { queue: queueSettings(env), store: storeSettings(env), config: configStoreSettings(env) };
}

function queueSettings(env: Env): BackendSettings["queue"] {
  const kind = choice(env, "TRACARDI_QUEUE", ["embedded", "pulsar"]);
  if (kind === "embedded") return { kind };
  const serviceUrl = env.TRACARDI_PULSAR_URL;
  if (!serviceUrl) throw new ConfigError("TRACARDI_PULSAR_URL is required by this configuration");
  const webUrl = env.TRACARDI_PULSAR_WEB_URL || null;
  const problem = pulsarAddressProblem(
    { url: serviceUrl, webUrl },
    { url: "TRACARDI_PULSAR_URL", webUrl: "TRACARDI_PULSAR_WEB_URL" },
  );
  if (problem !== null) throw new ConfigError(problem);
  const [tenant, namespace, ...rest] = (env.TRACARDI_PULSAR_NAMESPACE || "public/default").split("/");
  if (!tenant || !namespace || rest.length > 0)
    throw new ConfigError(
      `TRACARDI_PULSAR_NAMESPACE must be tenant/namespace, got "${env.TRACARDI_PULSAR_NAMESPACE}"`,
    );
  return {
    kind,
    serviceUrl,
    webUrl,
    token: secret(env, "TRACARDI_PULSAR_TOKEN"),
    tenant,
    namespace,
    topicPrefix: env.TRACARDI_PULSAR_TOPIC_PREFIX ?? "tracardi-",
  };
}

function storeSettings(env: Env): BackendSettings["store"] {
  const kind = choice(env, "TRACARDI_STORE", ["embedded", "opensearch", "elasticsearch"]);
  if (kind === "embedded") return { kind };
  return {
    kind,
    url: url(env, "TRACARDI_SEARCH_URL", ["http:", "https:"]),
    user: secret(env, "TRACARDI_SEARCH_USER"),
    password: secret(env, "TRACARDI_SEARCH_PASSWORD"),
    indexPrefix: env.TRACARDI_SEARCH_INDEX_PREFIX ?? "",
    refresh: choice(env, "TRACARDI_SEARCH_REFRESH", ["true", "false"]) === "true",
  };
}

function configStoreSettings(env: Env): BackendSettings["config"] {
  if (!env.TRACARDI_MYSQL_URL) return { kind: "embedded" };
  const parsed = new URL(url(env, "TRACARDI_MYSQL_URL", ["mysql:"]));
  if (parsed.pathname.length <= 1)
    throw new ConfigError(
      `TRACARDI_MYSQL_URL must name a database (mysql://host:port/database), got "${env.TRACARDI_MYSQL_URL}"`,
    );
  if (parsed.password !== "")
    throw new ConfigError(
      "TRACARDI_MYSQL_URL must not carry a password: set TRACARDI_MYSQL_PASSWORD (from a Secret)",
    );
  return {
    kind: "mysql",
    url: env.TRACARDI_MYSQL_URL,
    user: secret(env, "TRACARDI_MYSQL_USER"),
    password: secret(env, "TRACARDI_MYSQL_PASSWORD"),
    timeoutMs: int(env, "TRACARDI_MYSQL_TIMEOUT_MS", 5000),
  };
}

function jsonLimits(env: Env): JsonLimits {
  const limits = {
    maxDepth: int(env, "TRACARDI_MAX_JSON_DEPTH", 64),
    maxArrayLength: int(env, "TRACARDI_MAX_JSON_ARRAY_LENGTH", 10_000),
    maxObjectKeys: int(env, "TRACARDI_MAX_JSON_OBJECT_KEYS", 1000),
  };
  // Deeper values would reach recursive code (serialisers, path helpers) with a risk for the stack.
  if (limits.maxDepth < 4 || limits.maxDepth > 1000)
    throw new ConfigError(`TRACARDI_MAX_JSON_DEPTH must be between 4 and 1000, got ${limits.maxDepth}`);
  return limits;
}

function choice<T extends string>(env: Env, name: string, allowed: readonly T[]): T {
  const raw = env[name];
  if (raw === undefined || raw === "") return allowed[0] as T;
  if ((allowed as readonly string[]).includes(raw)) return raw as T;
  throw new ConfigError(`${name} must be one of ${allowed.join(", ")}, got "${raw}"`);
}

function url(env: Env, name: string, protocols: string[]): string {
  const raw = env[name];
  if (!raw) throw new ConfigError(`${name} is required by this configuration`);
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a URL: "${raw}"`);
  }
  if (!protocols.includes(parsed.protocol))
    throw new ConfigError(
      `${name} must start with ${protocols.map((p) => `${p}//`).join(" or ")}, got "${raw}"`,
    );
  return raw;
}

function secret(env: Env, name: string): string | null {
  const value = env[name];
  return value === undefined || value === "" ? null : value;
}

function publicKey(env: Env): string | null {
  const file = env.TRACARDI_LICENSE_PUBLIC_KEY_FILE;
  if (file) {
    try {
      return readFileSync(file, "utf8");
    } catch (error) {
      throw new ConfigError(`TRACARDI_LICENSE_PUBLIC_KEY_FILE: ${(error as Error).message}`);
    }
  }
  return env.TRACARDI_LICENSE_PUBLIC_KEY?.trim() ? env.TRACARDI_LICENSE_PUBLIC_KEY : null;
}

function mergeSalt(raw: string | undefined): string | null {
  if (raw === undefined) return DEFAULT_MERGE_SALT;
  if (raw === "" || raw.toLowerCase() === "no" || raw.toLowerCase() === "false") return null;
  if (raw.length < 20)
    throw new ConfigError("TRACARDI_AUTO_PROFILE_MERGING (the merge salt) must be at least 20 characters");
  return raw;
}

function duration(env: Env, name: string, fallbackMs: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallbackMs;
  const ms = parseDuration(raw);
  if (ms === null)
    throw new ConfigError(`${name} must be a duration such as 24h, 30m, 90s, 7d or seconds, got "${raw}"`);
  return ms;
}

function int(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0)
    throw new ConfigError(`${name} must be a non-negative integer, got "${raw}"`);
  return value;
}

function positive(env: Env, name: string, fallback: number): number {
  const value = int(env, name, fallback);
  if (value < 1) throw new ConfigError(`${name} must be at least 1, got "${env[name]}"`);
  return value;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.toLowerCase();
  if (raw === undefined || raw === "") return fallback;
  if (["1", "true", "yes", "on"].includes(raw)) return true;
  if (["0", "false", "no", "off"].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${env[name]}"`);
}
