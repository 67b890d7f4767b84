import { expectOk, reason, type SearchClient } from "./client.js";

/**
 * `true`: refresh the touched shards before answering (the next search sees the write at once);
 * `"wait_for"`: answer after the next scheduled refresh (up to `refresh_interval`, 1 s by default);
 * `false`: do not wait (searches see the write within `refresh_interval`; get by id sees it at once).
 */
export type Refresh = true | "wait_for" | false;

interface BulkItem {
  status: number;
  _index?: string;
  _id?: string;
  error?: unknown;
  result?: string;
}

interface BulkAnswer {
  errors: boolean;
  items: Record<string, BulkItem>[];
}

/** One item of a `_bulk` request that the engine refused. */
export interface BulkFailure {
  action: string;
  index: string;
  id: string;
  status: number;
  reason: string;
}

/**
 * One `_bulk` request; answers the items the engine refused (it answers per item). Deleting a
 * document that is already gone is not a failure, so a replayed batch succeeds. Rejects when the
 * request as a whole failed.
 */
export async function bulkItems(
  client: SearchClient,
  lines: object[] | string[],
  refresh: Refresh,
  what: string,
): Promise<BulkFailure[]> {
  if (lines.length === 0) return [];
  const answer = await expectOk<BulkAnswer>(
    client,
    { method: "POST", path: "/_bulk", query: { refresh: String(refresh) }, lines },
    what,
  );
  if (!answer.errors) return [];
  return answer.items
    .flatMap((item) => Object.entries(item))
    .filter(([action, item]) => item.error !== undefined && !(action === "delete" && item.status === 404))
    .map(([action, item]) => ({
      action,
      index: item._index ?? "",
      id: item._id ?? "",
      status: item.status,
      reason: reason({ error: item.error }),
    }));
}

/** One `_bulk` request that fails if any item failed, naming the first few (index, id, reason). */
export async function bulk(
  client: SearchClient,
  lines: object[],
  refresh: Refresh,
  what: string,
): Promise<void> {
  const failed = await bulkItems(client, lines, refresh, what);
  if (failed.length === 0) return;
  const examples = failed
    .slice(0, 3)
    .map((item) => `${item.action} ${item.index}/${item.id}: ${item.reason}`);
  throw new Error(
    `${what} failed at ${client.where} for ${failed.length} document(s): ${examples.join("; ")}`,
  );
}

/** Whether the engine refused the item itself (a mapping conflict), not for now (overloaded, timed out). */
export function isPermanent(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}
