import { createHash } from "node:crypto";
import type { KubeObject } from "../kube/informer.js";

/** What we last applied to one child, and how the API server answered. */
export interface AppliedRecord {
  hash: string;
  generation?: number;
  resourceVersion?: string;
  meta: string;
}

interface LiveObject extends KubeObject {
  metadata?: KubeObject["metadata"] & { generation?: number };
}

export function fingerprint(desired: unknown): string {
  return createHash("sha256").update(JSON.stringify(desired)).digest("hex");
}

function metaOf(live: LiveObject): string {
  return JSON.stringify([live.metadata?.labels ?? {}, live.metadata?.ownerReferences ?? []]);
}

export function recordApplied(hash: string, live: LiveObject): AppliedRecord {
  const record: AppliedRecord = { hash, meta: metaOf(live) };
  if (live.metadata?.generation !== undefined) record.generation = live.metadata.generation;
  else if (live.metadata?.resourceVersion !== undefined)
    record.resourceVersion = live.metadata.resourceVersion;
  return record;
}

/**
 * Whether re-applying `desired` would change nothing: we applied the same desired state before and the
 * live object has not been touched since (same generation — spec edits bump it — and same labels and
 * owners; objects without a generation must keep their resourceVersion). Lets resyncs cost no requests.
 */
export function upToDate(
  record: AppliedRecord | undefined,
  hash: string,
  live: LiveObject | undefined,
): boolean {
  if (!record || !live || record.hash !== hash) return false;
  if (metaOf(live) !== record.meta) return false;
  if (record.generation !== undefined) return live.metadata?.generation === record.generation;
  return record.resourceVersion !== undefined && live.metadata?.resourceVersion === record.resourceVersion;
}
