import { errorMessage } from "../../error-message.js";
import type { SearchClient } from "./client.js";
import { reason } from "./client.js";
import { describeDisk, readOnlyIndices, readSearchDisk } from "./disk.js";
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
    return `${client.where} does not answer: ${errorMessage(error)}`;
  }
  if (health.status === "red") return `${client.where}: cluster health is red`;
  const blocked = await readOnlyIndices(client, names);
  if (blocked.length > 0) {
    // The nodes' disk and the watermarks, so the line (and the operator, which reads it from unready
    // pods) says what to change; left out if they cannot be read.
    const disk = await readSearchDisk(client, names).then(describeDisk, () => "");
    return `${client.where}: disk watermark exceeded, index ${blocked.join(", ")} is read-only (index.blocks.read_only_allow_delete)${disk ? `; ${disk}` : ""}; free disk space (the engine lifts the block once the node is below the high watermark) or raise cluster.routing.allocation.disk.watermark.low/high/flood_stage`;
  }
  return null;
}
