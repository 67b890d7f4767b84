import type { Json, Profile, Session, TrackedEvent } from "../../domain/types.js";
import { errorMessage } from "../../error-message.js";
import type {
  DataStore,
  DocumentKind,
  EventQuery,
  Page,
  ProfileQuery,
  SessionQuery,
  WriteBatch,
  WriteFailure,
} from "../../ports/store.js";
import { bulkItems, isPermanent, type Refresh } from "./bulk.js";
import { expectOk, type SearchClient } from "./client.js";
import type { IndexNames, Kind } from "./indices.js";
import { finalOwners, type MoveStrategy, moveDocuments } from "./moves.js";

export interface SearchDataStoreOptions {
  names: IndexNames;
  refresh: Refresh;
  moves: MoveStrategy;
}

type Filter = Record<string, unknown>;

interface Hit<T> {
  _id: string;
  _source?: T;
  sort?: unknown[];
}

interface SearchAnswer<T> {
  hits: { total: { value: number }; hits: Hit<T>[] };
}

/** The embedded store's order (`ORDER BY inserted DESC, id`): newest insert time as written, then id. */
const NEWEST_FIRST = [{ "metadata.time.insert.raw": { order: "desc" } }, { id: { order: "asc" } }];

const MAX_ID_BYTES = 512;

const KINDS: readonly DocumentKind[] = ["profile", "session", "event"];

/** At most this many hits per search (`index.max_result_window`): the most merge candidates returned. */
const MAX_WINDOW = 10_000;

/** Profiles, sessions and events as documents in OpenSearch (or Elasticsearch), one index per kind. */
export class SearchDataStore implements DataStore {
  constructor(
    private readonly client: SearchClient,
    private readonly options: SearchDataStoreOptions,
  ) {}

  getProfile(id: string): Promise<Profile | null> {
    return this.get<Profile>("profile", id);
  }

  getSession(id: string): Promise<Session | null> {
    return this.get<Session>("session", id);
  }

  getEvent(id: string): Promise<TrackedEvent | null> {
    return this.get<TrackedEvent>("event", id);
  }

  async write(batch: WriteBatch): Promise<WriteFailure[]> {
    const { names } = this.options;
    const merged = batch.merged ?? [];
    const lines: string[] = [];
    const failures: WriteFailure[] = [];
    // Serialised one by one: a document that cannot be fails alone and is not sent.
    const put = (kind: DocumentKind, doc: { id: string }) => {
      let json: string;
      try {
        json = JSON.stringify(doc);
      } catch (error) {
        failures.push({ kind, id: doc.id, reason: errorMessage(error), permanent: true });
        return;
      }
      lines.push(JSON.stringify({ index: { _index: names[kind], _id: doc.id } }), json);
    };
    for (const profile of batch.profiles) put("profile", profile);
    for (const session of batch.sessions) put("session", session);
    for (const event of batch.events) put("event", event);
    for (const { from } of merged)
      lines.push(JSON.stringify({ delete: { _index: names.profile, _id: from } }));
    // Moving documents searches for them, so a batch with merges must be searchable before the move.
    const refresh = merged.length > 0 && this.options.refresh === false ? true : this.options.refresh;
    const refused = await bulkItems(this.client, lines, refresh, "writing profiles, sessions and events");
    const kindOf = new Map<string, DocumentKind>(KINDS.map((kind) => [names[kind], kind]));
    for (const item of refused) {
      // The index answered may be the concrete index behind an alias: match by prefix then.
      const kind = kindOf.get(item.index) ?? KINDS.find((k) => item.index.startsWith(names[k])) ?? "event";
      failures.push({ kind, id: item.id, reason: item.reason, permanent: isPermanent(item.status) });
    }
    // Written without a refresh, the documents to move may not be searchable yet.
    if (merged.length > 0 && this.options.refresh === false) await this.refresh([names.event, names.session]);
    await moveDocuments(
      this.client,
      this.options.moves,
      [names.event, names.session],
      finalOwners(merged),
      this.options.refresh,
    );
    return failures;
  }

  /** Makes what was written to `indices` searchable now. */
  private async refresh(indices: string[]): Promise<void> {
    await expectOk(
      this.client,
      { method: "POST", path: `/${indices.join(",")}/_refresh` },
      "refreshing indices",
    );
  }

  async events(query: EventQuery): Promise<Page<TrackedEvent>> {
    const filter: Filter[] = [];
    if (query.profileId !== undefined) filter.push({ term: { "profile.id": query.profileId } });
    if (query.sessionId !== undefined) filter.push({ term: { "session.id": query.sessionId } });
    if (query.type !== undefined) filter.push({ term: { type: query.type } });
    if (query.valid !== undefined) filter.push({ term: { "metadata.valid": query.valid } });
    // The keyword copy, compared as text like the embedded store's (ISO 8601 in UTC: time order).
    if (query.from !== undefined || query.to !== undefined)
      filter.push({
        range: {
          "metadata.time.insert.raw": {
            ...(query.from === undefined ? {} : { gte: query.from }),
            ...(query.to === undefined ? {} : { lt: query.to }),
          },
        },
      });
    return this.page<TrackedEvent>("event", filter, query);
  }

  async profiles(query: ProfileQuery): Promise<Page<Profile>> {
    const filter: Filter[] = [];
    if (query.field !== undefined && query.value !== undefined)
      filter.push(fieldEquals(query.field, query.value));
    return this.page<Profile>("profile", filter, query);
  }

  async sessions(query: SessionQuery): Promise<Page<Session>> {
    const filter: Filter[] = [];
    if (query.profileId !== undefined) filter.push({ term: { "profile.id": query.profileId } });
    return this.page<Session>("session", filter, query);
  }

  async profilesWithIds(ids: string[]): Promise<Profile[]> {
    if (ids.length === 0) return [];
    // A merge must see every profile stored before it, searchable or not yet.
    if (this.options.refresh === false) await this.refresh([this.options.names.profile]);
    const answer = await this.search<Profile>(
      "profile",
      { query: { terms: { ids } }, size: MAX_WINDOW, sort: [{ id: "asc" }] },
      "finding profiles by ids",
    );
    return sources(answer.hits.hits);
  }

  async profilesMarkedForMerge(limit: number): Promise<string[]> {
    if (limit <= 0) return [];
    if (this.options.refresh === false) await this.refresh([this.options.names.profile]);
    const answer = await this.search<never>(
      "profile",
      {
        query: { exists: { field: "metadata.system.aux.auto_merge" } },
        size: Math.min(limit, MAX_WINDOW),
        _source: false,
        sort: [{ id: "asc" }],
      },
      "finding profiles marked for merging",
    );
    return answer.hits.hits.map((hit) => hit._id);
  }

  private async get<T>(kind: Kind, id: string): Promise<T | null> {
    // Not a valid `_id` (empty or over 512 bytes), so no such document: the server would answer 400.
    if (id === "" || Buffer.byteLength(id) > MAX_ID_BYTES) return null;
    const index = this.options.names[kind];
    const response = await this.client.request({
      method: "GET",
      path: `/${index}/_doc/${encodeURIComponent(id)}`,
    });
    if (response.status === 404) return null;
    if (response.status !== 200) {
      throw new Error(`reading ${kind} ${id} failed at ${this.client.where}: HTTP ${response.status}`);
    }
    const body = response.body as { found?: boolean; _source?: T };
    return body.found && body._source ? body._source : null;
  }

  private async page<T>(
    kind: Kind,
    filter: Filter[],
    window: { limit: number; offset: number },
  ): Promise<Page<T>> {
    const query = filter.length > 0 ? { bool: { filter } } : { match_all: {} };
    if (window.limit <= 0) {
      const answer = await this.search<T>(
        kind,
        { query, size: 0, track_total_hits: true },
        `counting ${kind}s`,
      );
      return { total: answer.hits.total.value, items: [] };
    }
    if (window.offset + window.limit > MAX_WINDOW) return this.deepPage<T>(kind, query, window);
    const answer = await this.search<T>(
      kind,
      { query, from: window.offset, size: window.limit, sort: NEWEST_FIRST, track_total_hits: true },
      `listing ${kind}s`,
    );
    return { total: answer.hits.total.value, items: sources(answer.hits.hits) };
  }

  /** Past `from + size` = 10,000 OpenSearch refuses `from`; walk there with `search_after` instead. */
  private async deepPage<T>(
    kind: Kind,
    query: object,
    window: { limit: number; offset: number },
  ): Promise<Page<T>> {
    let total = 0;
    let after: unknown[] | undefined;
    let skip = window.offset;
    const items: T[] = [];
    while (items.length < window.limit) {
      const size = Math.min(MAX_WINDOW, skip > 0 ? skip : window.limit - items.length);
      const answer = await this.search<T>(
        kind,
        {
          query,
          size,
          sort: NEWEST_FIRST,
          track_total_hits: true,
          ...(skip > 0 ? { _source: false } : {}),
          ...(after ? { search_after: after } : {}),
        },
        `listing ${kind}s`,
      );
      total = answer.hits.total.value;
      const hits = answer.hits.hits;
      if (hits.length === 0) break;
      after = hits.at(-1)?.sort;
      if (skip > 0) skip -= hits.length;
      else items.push(...sources(hits));
    }
    return { total, items };
  }

  private search<T>(kind: Kind, body: object, what: string): Promise<SearchAnswer<T>> {
    return expectOk<SearchAnswer<T>>(
      this.client,
      { method: "POST", path: `/${this.options.names[kind]}/_search`, body },
      what,
    );
  }
}

function sources<T>(hits: Hit<T>[]): T[] {
  return hits.flatMap((hit) => (hit._source ? [hit._source] : []));
}

/**
 * The embedded store's comparison: whole, case-sensitive values (strings are keywords, so `match`
 * compares them whole). `lenient`: a value that does not parse as the field's type (`"abc"` for a
 * number) matches nothing instead of failing the search. JSON null matches the string "null" there (it
 * compares the value as text); objects and arrays match nothing.
 */
function fieldEquals(field: string, value: Json): Filter {
  if (typeof value === "object" && value !== null) return { match_none: {} };
  return { match: { [field]: { query: value === null ? "null" : value, lenient: true } } };
}
