import { expectOk, reason, type SearchClient } from "./client.js";

export type Kind = "profile" | "session" | "event";

export type IndexNames = Record<Kind, string>;

/**
 * Tracardi's base names (tracardi.md §5.1) under a prefix. Tracardi itself writes to time-partitioned
 * indices behind aliases; one index per kind is enough here, and a later partitioning can alias it.
 */
export function indexNames(prefix: string): IndexNames {
  if (!/^[a-z0-9][a-z0-9._-]*$|^$/.test(prefix)) {
    throw new Error(`index prefix must be lower case letters, digits, '.', '_' or '-', got "${prefix}"`);
  }
  return {
    profile: `${prefix}tracardi-profile`,
    session: `${prefix}tracardi-session`,
    event: `${prefix}tracardi-event`,
  };
}

export interface IndexLayout {
  shards: number;
  replicas: number;
}

const keyword = { type: "keyword" } as const;
/** Kept in `_source` only: read back with the document, never searched. */
const stored = { type: "keyword", index: false, doc_values: false } as const;
/** Stored in `_source`, never indexed: free-form parts that would otherwise grow the mapping without end. */
const opaque = { type: "object", enabled: false } as const;
/** Dates as dates, plus the string as written: the embedded store orders by that string. */
const time = {
  type: "date",
  format: "strict_date_optional_time||epoch_millis",
  ignore_malformed: true,
  fields: { raw: { type: "keyword" } },
} as const;

/**
 * Strings are exact-match keywords (profile search compares whole values, as the embedded store does);
 * no date or number guessing from strings, so a field's type follows its JSON type.
 */
const dynamic = {
  dynamic: true,
  date_detection: false,
  numeric_detection: false,
  dynamic_templates: [
    { strings: { match_mapping_type: "string", mapping: { type: "keyword", ignore_above: 8191 } } },
  ],
};

const MAPPINGS: Record<Kind, object> = {
  profile: {
    ...dynamic,
    properties: {
      id: keyword,
      primary_id: keyword,
      ids: keyword,
      metadata: {
        properties: {
          time: { properties: { insert: time, create: time, update: time } },
          // Keys are dotted field paths with [time, event id] pairs: not a shape a mapping can follow.
          fields: opaque,
          system: { properties: { aux: { properties: { auto_merge: keyword, applied_tasks: stored } } } },
        },
      },
      segments: keyword,
      active: { type: "boolean" },
    },
  },
  session: {
    ...dynamic,
    properties: {
      id: keyword,
      profile: { properties: { id: keyword } },
      metadata: {
        properties: {
          time: {
            properties: {
              insert: time,
              update: time,
              timestamp: { type: "double" },
              duration: { type: "double" },
              weekday: { type: "integer" },
            },
          },
          channel: keyword,
          status: keyword,
          applied_tasks: stored,
        },
      },
      // Tracardi keeps these flattened (not individually searchable).
      context: opaque,
      properties: opaque,
    },
  },
  event: {
    ...dynamic,
    properties: {
      id: keyword,
      name: keyword,
      type: keyword,
      metadata: {
        properties: {
          time: { properties: { insert: time, create: time, process_time: time } },
          status: keyword,
          channel: keyword,
        },
      },
      source: { properties: { id: keyword } },
      session: { properties: { id: keyword, start: time, duration: { type: "double" } } },
      profile: { properties: { id: keyword } },
      // Raw payload parts; Tracardi stores properties and context flattened, request and config unindexed.
      properties: opaque,
      context: opaque,
      request: opaque,
      config: opaque,
    },
  },
};

/** Creates the three indices unless they exist (a concurrent creator winning the race is fine). */
export async function ensureIndices(
  client: SearchClient,
  names: IndexNames,
  layout: IndexLayout,
): Promise<void> {
  for (const kind of ["profile", "session", "event"] as const) {
    const index = names[kind];
    const exists = await client.request({ method: "HEAD", path: `/${index}` });
    if (exists.status === 200) continue;
    const created = await client.request({
      method: "PUT",
      path: `/${index}`,
      body: {
        settings: { number_of_shards: layout.shards, number_of_replicas: layout.replicas },
        mappings: MAPPINGS[kind],
      },
    });
    if (created.status >= 200 && created.status < 300) continue;
    if (reason(created.body).includes("resource_already_exists_exception")) continue;
    throw new Error(
      `creating index ${index} failed at ${client.where}: HTTP ${created.status} ${reason(created.body)}`,
    );
  }
  // Primaries must be assigned before the first write, or it waits (and may time out) instead.
  await expectOk(
    client,
    {
      method: "GET",
      path: `/_cluster/health/${Object.values(names).join(",")}`,
      query: { wait_for_status: "yellow", timeout: "30s" },
    },
    "waiting for the indices",
  );
}

/** Deletes the three indices (tests); missing ones are fine. */
export async function deleteIndices(client: SearchClient, names: IndexNames): Promise<void> {
  await expectOk(
    client,
    {
      method: "DELETE",
      path: `/${Object.values(names).join(",")}`,
      query: { ignore_unavailable: true },
    },
    "deleting the indices",
  );
}
