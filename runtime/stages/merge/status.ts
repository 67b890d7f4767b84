import { hostname } from "node:os";
import type { ConfigStore, DataStore, WorkerStatus } from "../../ports/store.js";

/** The id under which the merge loop (`wk-apm`) records its passes in `ConfigStore.workerStatus`. */
export const MERGE_PASS_ID = "merge-pass";
/** Profiles counted as waiting at most (the count is one query per status request). */
export const WAITING_COUNT_LIMIT = 1000;

/** Auto profile merging as `/api/v1/status` reports it (the operator's AutoMerging condition reads it). */
export interface MergingStatus {
  /** False when TRACARDI_AUTO_PROFILE_MERGING is empty: nothing is marked or merged. */
  enabled: boolean;
  /** The pass interval of the merge loop (as it recorded it; this process's setting before its first pass). */
  intervalSeconds: number;
  /** When the merge loop last finished a pass, in whichever process runs it; null: never (or no loop runs). */
  lastPassAt: string | null;
  lastPassQueued: number;
  /** Pod (host name) of the merge loop that recorded the last pass. */
  lastPassBy: string | null;
  lastError: { message: string; at: string } | null;
  /** Profiles marked for merging now, counted up to `waitingLimit`. */
  waiting: number;
  waitingLimit: number;
}

/** Records a finished pass (`error` absent) or a failed one, keeping the last finished pass's time. */
export async function recordMergePass(
  config: ConfigStore,
  intervalMs: number,
  outcome: { queued: number } | { error: string },
  now = new Date(),
): Promise<void> {
  const previous = await config.workerStatus.get(MERGE_PASS_ID).catch(() => null);
  const base: WorkerStatus = {
    id: MERGE_PASS_ID,
    lastRunAt: previous?.lastRunAt ?? null,
    intervalSeconds: intervalMs / 1000,
    lastRunCount: previous?.lastRunCount ?? 0,
    lastError: previous?.lastError ?? null,
    by: hostname(),
  };
  const at = now.toISOString();
  await config.workerStatus.put(
    "error" in outcome
      ? { ...base, lastError: { message: outcome.error, at } }
      : { ...base, lastRunAt: at, lastRunCount: outcome.queued, lastError: null },
  );
}

export async function mergingStatus(
  settings: { mergeSalt: string | null; mergeIntervalMs: number },
  config: ConfigStore,
  data: DataStore,
): Promise<MergingStatus> {
  const enabled = settings.mergeSalt !== null;
  const [record, marked] = await Promise.all([
    config.workerStatus.get(MERGE_PASS_ID),
    enabled ? data.profilesMarkedForMerge(WAITING_COUNT_LIMIT) : Promise.resolve([]),
  ]);
  return {
    enabled,
    intervalSeconds: record?.intervalSeconds ?? settings.mergeIntervalMs / 1000,
    lastPassAt: record?.lastRunAt ?? null,
    lastPassQueued: record?.lastRunCount ?? 0,
    lastPassBy: record?.by ?? null,
    lastError: record?.lastError ?? null,
    waiting: marked.length,
    waitingLimit: WAITING_COUNT_LIMIT,
  };
}
