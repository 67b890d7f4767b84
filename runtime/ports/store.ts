import type { Destination, Resource } from "../domain/destination.js";
import type { EventSource, Json, Profile, Session, TrackedEvent } from "../domain/types.js";
import type { Flow, Rule } from "../stages/workflow/index.js";

/** Everything one storage step writes; every write is an upsert by id, so replaying it is harmless. */
export interface WriteBatch {
  profiles: Profile[];
  sessions: Session[];
  events: TrackedEvent[];
  /** Profiles merged into others: their events and sessions move to `to`, then they are deleted. */
  merged?: { from: string; to: string }[];
}

export type DocumentKind = "profile" | "session" | "event";

/**
 * A document the store refused while the rest of its batch was written. `permanent`: writing it again
 * cannot succeed (the engine rejected the document itself), unlike an overloaded engine's refusal.
 */
export interface WriteFailure {
  kind: DocumentKind;
  id: string;
  reason: string;
  permanent: boolean;
}

export interface Page<T> {
  total: number;
  items: T[];
}

export interface EventQuery {
  profileId?: string;
  sessionId?: string;
  type?: string;
  /** `metadata.valid`: false lists the events that failed validation (their reasons are in `metadata.messages`). */
  valid?: boolean;
  /** Inserted at or after this instant (ISO 8601, UTC). */
  from?: string;
  /** Inserted before this instant (ISO 8601, UTC). */
  to?: string;
  limit: number;
  offset: number;
}

export interface ProfileQuery {
  /** Dotted path into the profile document, e.g. `data.contact.email.main`. */
  field?: string;
  /**
   * Matches a field equal to it or a list holding it. Values are compared as written: `"3"` finds
   * the number 3 and `"true"` the boolean (a query string has only text).
   */
  value?: Json;
  limit: number;
  offset: number;
}

export interface SessionQuery {
  profileId?: string;
  limit: number;
  offset: number;
}

/** Profiles, sessions and events (Elasticsearch/OpenSearch in production, SQLite embedded). */
export interface DataStore {
  getProfile(id: string): Promise<Profile | null>;
  getSession(id: string): Promise<Session | null>;
  getEvent(id: string): Promise<TrackedEvent | null>;
  /**
   * Writes the batch; each document stands alone: those refused are named (the rest are written).
   * Rejects when nothing could be written (the store unreachable).
   */
  write(batch: WriteBatch): Promise<WriteFailure[]>;
  events(query: EventQuery): Promise<Page<TrackedEvent>>;
  profiles(query: ProfileQuery): Promise<Page<Profile>>;
  sessions(query: SessionQuery): Promise<Page<Session>>;
  /** Profiles whose `ids` hold any of the given ids (merge candidates). */
  profilesWithIds(ids: string[]): Promise<Profile[]>;
  /** Ids of profiles marked for merging (`metadata.system.aux.auto_merge` not empty). */
  profilesMarkedForMerge(limit: number): Promise<string[]>;
}

export interface SessionBinding {
  profileId: string | null;
}

/** A client-supplied event id claimed by an owner (a source and a profile, or a session) for a task. */
export interface EventIdClaim {
  id: string;
  /** Who sends it, as one opaque key (see `eventIdOwner`). */
  owner: string;
  task: string;
}

/**
 * What the claim found: `first` — the id is this owner's, for this task (a new id, the same task
 * again, or the owner's id re-sent after the dedupe window); `duplicate` — the owner sent it in
 * another task within the window; `foreign` — another owner sent it first.
 */
export type EventIdVerdict = "first" | "duplicate" | "foreign";

/**
 * Which profile ids and sessions exist, decided at acceptance time so that concurrent requests for one
 * new session get one profile (Tracardi #652). Writes become durable together with the queued payload.
 */
export interface IdentityIndex {
  /** The surviving id for a profile id or a merged-away alias; null if the id was never issued. */
  resolveProfile(id: string): Promise<string | null>;
  session(sessionId: string): Promise<SessionBinding | null>;
  registerProfile(id: string): void;
  /**
   * Binds a session that has no binding yet and resolves to the profile it is bound to afterwards:
   * `profileId`, or the one a concurrent request (maybe in another process) bound it to first.
   */
  claimSession(sessionId: string, profileId: string | null): Promise<string | null>;
  /** Binds (or re-binds) a session whose binding this process decides alone. */
  bindSession(sessionId: string, profileId: string | null): void;
  /**
   * Resolves once every registration and binding made so far is durable. Intake waits for it next
   * to the queue publish, so a 2xx never outlives the identities it announced.
   */
  persisted(): Promise<void>;
  /** Points `aliasId` (and everything already pointing at it) to `survivorId`. */
  alias(aliasId: string, survivorId: string): Promise<void>;
  /** Drops cached lookups (another connection merged profiles). */
  refresh(): void;
  /**
   * Claims client event ids, one verdict per claim, atomically per id across processes. An id keeps
   * its first owner for good; `windowMs` is the dedupe window (`TRACARDI_DEDUPE_WINDOW`).
   */
  claimEventIds(claims: EventIdClaim[], now: number, windowMs: number): Promise<EventIdVerdict[]>;
  /** Whether a delivery (by its id) was made within the last `windowMs`. */
  delivered(deliveryId: string, now: number, windowMs: number): Promise<boolean>;
  /** Remembers a delivery as made; records older than `windowMs` may be forgotten. */
  recordDelivery(deliveryId: string, now: number, windowMs: number): Promise<void>;
}

export interface ConfigCollection<T extends { id: string }> {
  get(id: string): Promise<T | null>;
  list(): Promise<T[]>;
  put(doc: T): Promise<T>;
  delete(id: string): Promise<boolean>;
}

export type MappingOperation = "equals" | "equals-if-not-exists" | "append";

/** Custom event-to-profile mapping (tracardi.md §4 step 13). */
export interface EventToProfileMapping {
  id: string;
  name: string;
  description: string;
  event_type: string;
  /** Only events from this source, when set. */
  source_id: string | null;
  enabled: boolean;
  config: { merge_on_change?: boolean };
  event_to_profile: { event: { value: string }; op: MappingOperation; profile: { value: string } }[];
}

/** JSON schema that events of one type must satisfy. */
export interface EventTypeSchema {
  id: string;
  event_type: string;
  name: string;
  enabled: boolean;
  schema: { [key: string]: Json };
}

/** Configuration (MySQL in production, SQLite embedded). */
export interface ConfigStore {
  sources: ConfigCollection<EventSource>;
  mappings: ConfigCollection<EventToProfileMapping>;
  schemas: ConfigCollection<EventTypeSchema>;
  resources: ConfigCollection<Resource>;
  destinations: ConfigCollection<Destination>;
  flows: ConfigCollection<StoredFlow>;
  rules: ConfigCollection<StoredRule>;
  /** What background loops record about themselves for other processes to report (the merge pass). */
  workerStatus: ConfigCollection<WorkerStatus>;
}

/** The last run of a background loop, written by the process that runs it (`wk-apm`: id `merge-pass`). */
export interface WorkerStatus {
  id: string;
  /** When the last run finished (ISO 8601), null before the first one. */
  lastRunAt: string | null;
  intervalSeconds: number;
  /** What the last run did, e.g. how many merges it queued. */
  lastRunCount: number;
  /** The last failed run, when it is newer than the last finished one. */
  lastError: { message: string; at: string } | null;
  /** Host name (pod) of the process that wrote this. */
  by: string;
}

export type StoredFlow = Flow & { id: string };
export type StoredRule = Rule & { id: string };

/** The stored kind of each configuration collection: one name in every store. */
export const CONFIG_KINDS = {
  sources: "event-source",
  mappings: "event-to-profile",
  schemas: "event-type-schema",
  resources: "resource",
  destinations: "destination",
  flows: "flow",
  rules: "rule",
  workerStatus: "worker-status",
} as const satisfies Record<keyof ConfigStore, string>;

/** A ConfigStore whose collections one factory makes, by stored kind. */
export function configStoreOf(
  collection: <T extends { id: string }>(kind: string) => ConfigCollection<T>,
): ConfigStore {
  return {
    sources: collection<EventSource>(CONFIG_KINDS.sources),
    mappings: collection<EventToProfileMapping>(CONFIG_KINDS.mappings),
    schemas: collection<EventTypeSchema>(CONFIG_KINDS.schemas),
    resources: collection<Resource>(CONFIG_KINDS.resources),
    destinations: collection<Destination>(CONFIG_KINDS.destinations),
    flows: collection<StoredFlow>(CONFIG_KINDS.flows),
    rules: collection<StoredRule>(CONFIG_KINDS.rules),
    workerStatus: collection<WorkerStatus>(CONFIG_KINDS.workerStatus),
  };
}
