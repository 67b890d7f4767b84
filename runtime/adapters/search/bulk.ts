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

/**
 * One `_bulk` request. Fails if any item failed, naming the first few (index, id, reason); deleting a
 * document that is already gone is not a failure, so a replayed batch succeeds.
 */
export async function bulk(
  client: SearchClient,
  lines: object[],
  refresh: Refresh,
  what: string,
): Promise<void> {
  if (lines.length === 0) return;
  const answer = await expectOk<BulkAnswer>(
    client,
    { method: "POST", path: "/_bulk", query: { refresh: String(refresh) }, lines },
    what,
  );
  if (!answer.errors) return;
  const failed = answer.items
    .flatMap((item) => Object.entries(item))
    .filter(([action, item]) => item.error !== undefined && !(action === "delete" && item.status === 404));
  if (failed.length === 0) return;
  const examples = failed
    .slice(0, 3)
    .map(([action, item]) => `${action} ${item._index}/${item._id}: ${reason({ error: item.error })}`);
  throw new Error(
    `${what} failed at ${client.where} for ${failed.length} document(s): ${examples.join("; ")}`,
  );
}
