import { readFileSync } from "node:fs";
import { resolve } from "node:path";

/** Runtime settings, from environment variables (names shared with the operator's ConfigMap). */
export interface RuntimeConfig {
  host: string;
  publicPort: number;
  privatePort: number;
  healthPort: number;
  dataDir: string;
  /** Bearer token of the private API; generated and kept in the data dir when not given. */
  adminToken: string | null;
  bodyLimitBytes: number;
  maxEventsPerPayload: number;
  /** Messages waiting on one topic before /track answers 503. */
  maxBacklog: number;
  sourceCacheTtlMs: number;
  disallowBotTraffic: boolean;
  /** The API process also runs the collector and storage stages (no separate collector worker). */
  processInline: boolean;
  workflowEnabled: boolean;
  storageBatchSize: number;
  collectorBatchSize: number;
  maxDeliveryAttempts: number;
  /** First retry delay of a failed destination delivery; doubles per attempt up to the max. */
  dispatchRetryBaseMs: number;
  dispatchRetryMaxMs: number;
  /** Salt of hashed merge ids (Tracardi's AUTO_PROFILE_MERGING); empty switches merging off. */
  mergeSalt: string | null;
  /** How often the merge pass looks for profiles marked for merging; 0: only when asked. */
  mergeIntervalMs: number;
  /** How long `/track` waits for the `response`/`ux` of workflows it triggered (inline processing only). */
  inlineWorkflowTimeoutMs: number;
  /** Licence key (from a Secret in Kubernetes); null: open-source mode. */
  licenseKey: string | null;
  /** PEM of the Ed25519 key licences are checked against. */
  licensePublicKey: string | null;
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
    dataDir: resolve(cwd, env.TRACARDI_DATA_DIR ?? "tracardi-data"),
    adminToken: env.TRACARDI_ADMIN_TOKEN && env.TRACARDI_ADMIN_TOKEN !== "" ? env.TRACARDI_ADMIN_TOKEN : null,
    bodyLimitBytes: int(env, "TRACARDI_BODY_LIMIT", 1024 * 1024),
    maxEventsPerPayload: int(env, "TRACARDI_MAX_EVENTS_PER_PAYLOAD", 1000),
    maxBacklog: int(env, "TRACARDI_MAX_BACKLOG", 1_000_000),
    sourceCacheTtlMs: int(env, "TRACARDI_SOURCE_CACHE_TTL_MS", 2000),
    disallowBotTraffic: bool(env, "TRACARDI_DISALLOW_BOT_TRAFFIC", true),
    processInline: bool(env, "TRACARDI_PROCESS_INLINE", true),
    workflowEnabled: bool(env, "TRACARDI_WORKFLOW_ENABLED", true),
    storageBatchSize: int(env, "TRACARDI_STORAGE_BATCH", 200),
    collectorBatchSize: int(env, "TRACARDI_COLLECTOR_BATCH", 50),
    maxDeliveryAttempts: int(env, "TRACARDI_MAX_DELIVERY_ATTEMPTS", 10),
    dispatchRetryBaseMs: int(env, "TRACARDI_DISPATCH_RETRY_BASE_MS", 2000),
    dispatchRetryMaxMs: int(env, "TRACARDI_DISPATCH_RETRY_MAX_MS", 5 * 60_000),
    mergeSalt: mergeSalt(env.TRACARDI_AUTO_PROFILE_MERGING),
    mergeIntervalMs: int(env, "TRACARDI_MERGE_INTERVAL_MS", 5000),
    inlineWorkflowTimeoutMs: int(env, "TRACARDI_INLINE_WORKFLOW_TIMEOUT_MS", 2000),
    licenseKey: env.TRACARDI_LICENSE?.trim() ? env.TRACARDI_LICENSE.trim() : null,
    licensePublicKey: publicKey(env),
  };
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

function int(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0)
    throw new ConfigError(`${name} must be a non-negative integer, got "${raw}"`);
  return value;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.toLowerCase();
  if (raw === undefined || raw === "") return fallback;
  if (["1", "true", "yes", "on"].includes(raw)) return true;
  if (["0", "false", "no", "off"].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${env[name]}"`);
}
