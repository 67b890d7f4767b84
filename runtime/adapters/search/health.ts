import type { SearchClient } from "./client.js";
import { reason } from "./client.js";
import type { IndexNames } from "./indices.js";

/**
 * Why the search engine cannot take writes right now, or null: no answer, a red cluster, or indices
 * made read-only by the flood-stage disk watermark (`index.blocks.read_only_allow_delete`), which
 * makes every storage batch fail until disk space is freed and the block is lifted.
 */
export async function searchProblem(client: SearchClient, names: IndexNames): Promise<string | null> {
  let health: { status?: string };
  try {
    const answer = await client.request({ method: "GET", path: "/_cluster/health" });
    if (answer.status !== 200)
      return `${client.where}: cluster health answered HTTP ${answer.status} ${reason(answer.body)}`;
    health = answer.body as { status?: string };
  } catch (error) {
    return `${client.where} does not answer: ${error instanceof Error ? error.message : String(error)}`;
  }
  if (health.status === "red") return `${client.where}: cluster health is red`;
  const blocked = await readOnlyIndices(client, names);
  if (blocked.length > 0) {
    return `${client.where}: disk watermark exceeded, index ${blocked.join(", ")} is read-only (index.blocks.read_only_allow_delete); free disk space, then clear the block`;
  }
  return null;
}

export async function readOnlyIndices(client: SearchClient, names: IndexNames): Promise<string[]> {
  const answer = await client.request({
    method: "GET",
    path: `/${Object.values(names).join(",")}/_settings/index.blocks.read_only_allow_delete`,
    query: { flat_settings: true, ignore_unavailable: true },
  });
  if (answer.status !== 200) return [];
  const settings = answer.body as Record<string, { settings?: Record<string, string> }>;
  return Object.entries(settings)
    .filter(([, index]) => index.settings?.["index.blocks.read_only_allow_delete"] === "true")
    .map(([name]) => name);
}
