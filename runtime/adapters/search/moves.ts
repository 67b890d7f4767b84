import { bulk, type Refresh } from "./bulk.js";
import { expectOk, type SearchClient } from "./client.js";

/**
 * How events and sessions of merged profiles move to the survivor: `_update_by_query` with a painless
 * script (needs the painless and reindex modules on the server), or search and bulk partial updates
 * (works on any node, in more round trips).
 */
export type MoveStrategy = "update_by_query" | "search_and_bulk";

/**
 * Where each merged profile's documents end up when the merges apply in order, as the embedded store
 * applies them: a→b then b→c sends a's documents to c. Owners that end where they started are left out.
 */
export function finalOwners(merged: { from: string; to: string }[]): Map<string, string> {
  const owners = new Map<string, string>();
  for (const { from } of merged) {
    let owner = from;
    for (const step of merged) if (owner === step.from) owner = step.to;
    if (owner !== from) owners.set(from, owner);
  }
  return owners;
}

/**
 * Points `profile.id` of the documents in `indices` owned by a key of `owners` at its value. The
 * documents must be searchable already (written with a refresh).
 */
export async function moveDocuments(
  client: SearchClient,
  strategy: MoveStrategy,
  indices: string[],
  owners: Map<string, string>,
  refresh: Refresh,
): Promise<void> {
  if (owners.size === 0) return;
  if (strategy === "update_by_query") await updateByQuery(client, indices, owners, refresh);
  else await searchAndBulk(client, indices, owners);
}

interface ByQueryAnswer {
  failures?: unknown[];
  version_conflicts?: number;
}

async function updateByQuery(
  client: SearchClient,
  indices: string[],
  owners: Map<string, string>,
  refresh: Refresh,
): Promise<void> {
  const answer = await expectOk<ByQueryAnswer>(
    client,
    {
      method: "POST",
      path: `/${indices.join(",")}/_update_by_query`,
      // `_update_by_query` knows only refresh=true, not wait_for.
      query: { refresh: refresh !== false, conflicts: "abort" },
      body: {
        query: { terms: { "profile.id": [...owners.keys()] } },
        script: {
          lang: "painless",
          source: "ctx._source.profile.id = params.owners.get(ctx._source.profile.id)",
          params: { owners: Object.fromEntries(owners) },
        },
      },
    },
    "moving documents of merged profiles",
  );
  if ((answer.failures?.length ?? 0) > 0 || (answer.version_conflicts ?? 0) > 0) {
    throw new Error(
      `moving documents of merged profiles failed at ${client.where}: ${JSON.stringify(answer.failures ?? []).slice(0, 500)}`,
    );
  }
}

interface Hits {
  hits: { hits: { _index: string; _id: string; _source?: { profile?: { id?: string } } }[] };
}

const PAGE = 1000;

async function searchAndBulk(
  client: SearchClient,
  indices: string[],
  owners: Map<string, string>,
): Promise<void> {
  // Moved documents stop matching, so the first page is always the next one; a page that does not
  // shrink the rest would be a bug, and the bound stops it from looping.
  const total = await countOwned(client, indices, owners);
  for (let rounds = Math.ceil(total / PAGE) + 1; rounds > 0; rounds--) {
    const page = await expectOk<Hits>(
      client,
      {
        method: "POST",
        path: `/${indices.join(",")}/_search`,
        body: {
          size: PAGE,
          _source: ["profile.id"],
          query: { terms: { "profile.id": [...owners.keys()] } },
        },
      },
      "finding documents of merged profiles",
    );
    const hits = page.hits.hits;
    if (hits.length === 0) return;
    await bulk(
      client,
      hits.flatMap((hit) => [
        { update: { _index: hit._index, _id: hit._id } },
        { doc: { profile: { id: owners.get(hit._source?.profile?.id ?? "") } } },
      ]),
      // The next page must not see what this one moved.
      true,
      "moving documents of merged profiles",
    );
  }
  throw new Error(`moving documents of merged profiles did not finish at ${client.where}`);
}

async function countOwned(client: SearchClient, indices: string[], owners: Map<string, string>) {
  const answer = await expectOk<{ count: number }>(
    client,
    {
      method: "POST",
      path: `/${indices.join(",")}/_count`,
      body: { query: { terms: { "profile.id": [...owners.keys()] } } },
    },
    "counting documents of merged profiles",
  );
  return answer.count;
}
