/**
 * Which Elasticsearch majors the store talks to, and in which media types. The store's requests are
 * written to what 7.17, 8.x and 9.x all take alike (typeless mappings and `_doc`, `hits.total` as an
 * object, `track_total_hits`, `search_after`, `_bulk` with `_index` per line); what differs is the
 * media type: `@elastic/elasticsearch` 9 sends `compatible-with=9`, which an 8.x node refuses (HTTP 400
 * `media_type_header_exception`) and a 7.x node does not know.
 */

export interface ServerVersion {
  /** As the node reports it, e.g. `8.19.21`. */
  number: string;
  major: number;
  minor: number;
}

export interface MediaTypes {
  json: string;
  ndjson: string;
  accept: string;
}

/**
 * Plain JSON: every major answers it with its own API. Asking for 9 from a 9.x (or later) cluster keeps
 * the store on the 9.x API when a later major changes its own.
 */
const PLAIN: MediaTypes = {
  json: "application/json",
  ndjson: "application/x-ndjson",
  accept: "application/json",
};
const COMPATIBLE_WITH_9: MediaTypes = {
  json: "application/vnd.elasticsearch+json; compatible-with=9",
  ndjson: "application/vnd.elasticsearch+x-ndjson; compatible-with=9",
  accept: "application/vnd.elasticsearch+json; compatible-with=9",
};

/** The media types for a cluster whose oldest node is `oldest` (null: not known, so plain JSON). */
export function mediaTypes(oldest: ServerVersion | null): MediaTypes {
  return oldest !== null && oldest.major >= 9 ? COMPATIBLE_WITH_9 : PLAIN;
}

/** `7.17.29` → its parts; null if it does not start with `major.minor`. */
export function parseVersion(number: string): ServerVersion | null {
  const match = /^(\d+)\.(\d+)/.exec(number);
  return match ? { number, major: Number(match[1]), minor: Number(match[2]) } : null;
}

/**
 * The oldest node's version from a `GET /_nodes?filter_path=nodes.*.version` answer: during a rolling
 * upgrade the store must speak what every node understands. Null when the answer names no version.
 */
export function oldestNodeVersion(body: unknown): ServerVersion | null {
  const nodes = (body as { nodes?: Record<string, { version?: unknown }> } | null)?.nodes ?? {};
  const versions = Object.values(nodes)
    .map((node) => (typeof node.version === "string" ? parseVersion(node.version) : null))
    .filter((version): version is ServerVersion => version !== null);
  if (versions.length === 0) return null;
  return versions.reduce((oldest, v) =>
    v.major < oldest.major || (v.major === oldest.major && v.minor < oldest.minor) ? v : oldest,
  );
}

/** Why the store cannot run on `version`, or null when it can (7.17 and later). */
export function unsupported(version: ServerVersion, where: string): string | null {
  if (version.major > 7 || (version.major === 7 && version.minor >= 17)) return null;
  return `${where} runs Elasticsearch ${version.number}; the Elasticsearch store needs 7.17, 8.x or 9.x`;
}
