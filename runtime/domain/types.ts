/** Documents of the Tracardi data model (tracardi.md §3), as stored and returned by the API. */

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface VisitTime {
  last: string | null;
  current: string | null;
  count: number;
  tz: string | null;
}

export interface Profile {
  id: string;
  primary_id: string | null;
  ids: string[];
  metadata: {
    time: { insert: string; create: string | null; update: string | null; visit: VisitTime };
    fields: Record<string, [string, string | null]>;
    system: {
      aux: {
        /** Merge ids not yet merged by (the profile is marked for merging while this is not empty). */
        auto_merge: string[];
        /** Merge ids of merge-profiles nodes with `force`: their matches skip the merge rails. */
        force_merge?: string[];
        /** Why automatic merges of this profile were skipped (newest last, at most 10). */
        merge_skipped?: MergeSkip[];
        /** Tasks of the last payloads applied to the profile: a redelivered one is not applied again. */
        applied_tasks?: string[];
        /** How many times a collector wrote this profile (see domain/versions.ts). */
        version?: number;
      };
    };
  };
  stats: { visits: number; views: number; counters: Record<string, number> };
  traits: JsonObject;
  segments: string[];
  interests: Record<string, number>;
  consents: Record<string, { revoke: string | null }>;
  active: boolean;
  aux: JsonObject;
  data: JsonObject;
}

/** A merge the rails refused: the profiles stay apart until a forced merge joins them. */
export interface MergeSkip {
  /** `identifier_conflict`: the others hold a different `data.identifier.id`;
   * `shared_by_too_many`: the merge ids are held by more than TRACARDI_MERGE_MAX_PROFILES profiles. */
  reason: MergeSkipReason;
  merge_ids: string[];
  /** Profiles not merged with (identifier conflicts only). */
  profiles: string[];
  at: string;
}

export type MergeSkipReason = "identifier_conflict" | "shared_by_too_many";

export type SessionStatus = "active" | "started" | "ended";

export interface Session {
  id: string;
  profile: { id: string } | null;
  metadata: {
    time: { insert: string; update: string; timestamp: number; duration: number; weekday: number };
    channel: string | null;
    status: SessionStatus;
    /** Tasks of the last payloads applied to the session: a redelivered one is not applied again. */
    applied_tasks?: string[];
    /** How many times a collector wrote this session (see domain/versions.ts). */
    version?: number;
  };
  device: JsonObject;
  os: { name: string | null; version: string | null };
  app: {
    type: string | null;
    name: string | null;
    version: string | null;
    language: string | null;
    bot: boolean;
    resolution: string | null;
  };
  utm: {
    source: string | null;
    medium: string | null;
    campaign: string | null;
    term: string | null;
    content: string | null;
  };
  context: JsonObject;
  properties: JsonObject;
}

export interface TrackedEvent {
  id: string;
  name: string;
  type: string;
  metadata: {
    time: { insert: string; create: string | null; process_time: string | null };
    ip: string | null;
    status: "collected" | "processed";
    channel: string | null;
    profile_less: boolean;
    valid: boolean;
    error: boolean;
    warning: boolean;
    /** Validation or mapping errors, so an invalid event tells why. */
    messages: string[];
    /** Rules and flows the event triggered. */
    processed_by: { rules: string[]; flows: string[] };
  };
  source: { id: string };
  session: { id: string; start: string | null; duration: number } | null;
  profile: { id: string } | null;
  properties: JsonObject;
  traits: JsonObject;
  context: JsonObject;
  request: JsonObject;
  config: JsonObject;
  tags: { values: string[]; count: number };
  os: Session["os"] | null;
  app: Session["app"] | null;
  device: JsonObject | null;
  hit: { name: string | null; url: string | null; referer: string | null };
  utm: Session["utm"] | null;
  journey: { state: string | null };
  data: JsonObject;
}

export type BridgeType = "rest" | "webhook" | "internal";

export interface EventSource {
  id: string;
  name: string;
  description: string;
  type: BridgeType[];
  channel: string;
  enabled: boolean;
  /** "Ephemeral": events and sessions are processed but not stored. */
  transitional: boolean;
  tags: string[];
  config: JsonObject;
  timestamp: string;
}
