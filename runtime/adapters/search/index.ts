import type { Refresh } from "./bulk.js";
import type { SearchClient, SearchConnectionOptions } from "./client.js";
import { SearchDataStore } from "./data-store.js";
import { elasticsearchClient } from "./elasticsearch-client.js";
import { ensureIndices, type IndexNames, indexNames } from "./indices.js";
import type { MoveStrategy } from "./moves.js";
import { openSearchClient } from "./opensearch-client.js";

export type { Refresh } from "./bulk.js";
export type { SearchClient, SearchConnectionOptions } from "./client.js";
export { SearchDataStore } from "./data-store.js";
export { elasticsearchClient } from "./elasticsearch-client.js";
export { deleteIndices, type IndexNames, indexNames } from "./indices.js";
export type { MoveStrategy } from "./moves.js";

export interface SearchStoreOptions {
  /** Prepended to `tracardi-profile`, `tracardi-session`, `tracardi-event` (default none). */
  indexPrefix?: string;
  /** Refresh policy of writes (default `true`: the next search sees them, as in the embedded store). */
  refresh?: Refresh;
  /** For indices this store creates (default 1 shard, 0 replicas). */
  shards?: number;
  replicas?: number;
  /** How merges move events and sessions (default: `update_by_query` if the server has painless). */
  moves?: MoveStrategy | "auto";
}

export interface OpenedSearchStore {
  store: SearchDataStore;
  indices: IndexNames;
  moves: MoveStrategy;
  client: SearchClient;
  close(): Promise<void>;
}

/**
 * A DataStore on OpenSearch: connects, creates the indices if missing and picks how merges move
 * documents. Takes the runtime's SearchSettings (TRACARDI_SEARCH_URL, _USER, _PASSWORD, _INDEX_PREFIX,
 * _REFRESH).
 */
export async function openSearchDataStore(
  options: SearchConnectionOptions & SearchStoreOptions,
): Promise<OpenedSearchStore> {
  return openWith(openSearchClient(options), options);
}

/**
 * The same on Elasticsearch 7.17, 8.x or 9.x, over `@elastic/elasticsearch`, with the same options. Merges move
 * documents by `_update_by_query` only where the nodes list the painless and reindex modules.
 */
export async function openElasticsearchDataStore(
  options: SearchConnectionOptions & SearchStoreOptions,
): Promise<OpenedSearchStore> {
  return openWith(elasticsearchClient(options), options);
}

/**
 * Opens the store over `client`, and closes the client if that fails. Its callers are `async` so that a
 * malformed URL rejects rather than throws.
 */
async function openWith(client: SearchClient, options: SearchStoreOptions): Promise<OpenedSearchStore> {
  try {
    return { ...(await searchDataStore(client, options)), client, close: () => client.close() };
  } catch (error) {
    await client.close().catch(() => {});
    throw error;
  }
}

/** The same over any SearchClient. */
export async function searchDataStore(
  client: SearchClient,
  options: SearchStoreOptions,
): Promise<{ store: SearchDataStore; indices: IndexNames; moves: MoveStrategy }> {
  const names = indexNames(options.indexPrefix ?? "");
  await ensureIndices(client, names, { shards: options.shards ?? 1, replicas: options.replicas ?? 0 });
  const moves =
    options.moves === undefined || options.moves === "auto" ? await detectMoves(client) : options.moves;
  const store = new SearchDataStore(client, { names, refresh: options.refresh ?? true, moves });
  return { store, indices: names, moves };
}

interface NodesPlugins {
  nodes?: Record<string, { modules?: Named[]; plugins?: Named[] }>;
}

interface Named {
  name?: string;
  classname?: string;
}

/**
 * `_update_by_query` comes from the reindex module and its script from painless; a distribution lists
 * them as modules, an embedded node (classpath plugins) as plugins. Every node must have both. A user
 * not allowed to list them gets the way that needs neither.
 */
async function detectMoves(client: SearchClient): Promise<MoveStrategy> {
  const response = await client.request({ method: "GET", path: "/_nodes/plugins" });
  if (response.status !== 200) return "search_and_bulk";
  const nodes = Object.values((response.body as NodesPlugins).nodes ?? {});
  const has = (node: { modules?: Named[]; plugins?: Named[] }, word: RegExp) =>
    [...(node.modules ?? []), ...(node.plugins ?? [])].some(
      (p) => word.test(p.name ?? "") || word.test(p.classname ?? ""),
    );
  const scripted = nodes.length > 0 && nodes.every((n) => has(n, /painless/i) && has(n, /reindex/i));
  return scripted ? "update_by_query" : "search_and_bulk";
}
