import { newId } from "../../domain/ids.js";
import type { MergeCommand } from "../../domain/messages.js";
import type { Queue } from "../../ports/queue.js";
import type { DataStore } from "../../ports/store.js";

/**
 * One auto-profile-merging pass (the `wk-apm` worker's loop, tracardi.md §8.2): every profile marked
 * for merging gets a merge command on the collector topic, keyed by its id, so the merge runs in
 * order with that profile's payloads. Returns how many were queued.
 */
export async function mergePass(store: DataStore, queue: Queue, limit = 1000): Promise<number> {
  const marked = await store.profilesMarkedForMerge(limit);
  if (marked.length === 0) return 0;
  const commands = marked.map((profileId) => ({
    key: profileId,
    body: { kind: "merge", profileId, task: `merge:${newId()}` } satisfies MergeCommand,
  }));
  await queue.publish("collector", commands);
  return marked.length;
}

/**
 * Queues a forced merge of exactly `profiles` (`POST /api/v1/merge {"profiles": [...]}`): keyed by the
 * first profile, it runs in order with that profile's payloads and skips the merge rails.
 */
export async function forceMerge(queue: Queue, profiles: string[]): Promise<void> {
  const [first] = profiles;
  if (first === undefined) return;
  const command: MergeCommand = {
    kind: "merge",
    profileId: first,
    task: `merge:${newId()}`,
    profiles: profiles.slice(1),
  };
  await queue.publish("collector", [{ key: first, body: command }]);
}
