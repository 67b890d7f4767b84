// What the private API answers (docs/api.md), as far as the console reads it.

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface Page<T> {
  total: number;
  items: T[];
}

export type OrError<T> = T | { error: string };

export function isError<T>(value: OrError<T> | undefined | null): value is { error: string } {
  return typeof value === "object" && value !== null && "error" in (value as object);
}

export interface StageReport {
  stage: string;
  topic: string;
  oldestWaitingSeconds: number | null;
  lastSettledAt: string | null;
  lastError: { message: string; at: string } | null;
  stalled: boolean;
}

export interface LicenseState {
  status: string;
  message: string;
  owner?: string;
  expires?: string;
  daysRemaining?: number;
  processing: "running" | "paused";
}

export interface Status {
  stages: string[];
  processing: { error?: string; thread?: { state?: string } & Record<string, unknown> };
  stageProgress: OrError<StageReport[]>;
  stalls: { stage: string }[];
  workflow: { enabled: boolean; reason?: string };
  queue: { backlog: OrError<Record<string, number>>; deadLetters: OrError<number> };
  pendingStateDocuments: number | null;
  backends: { queue: string; store: string; config: string; problems: OrError<string[]> };
  license: LicenseState;
}

export interface Throughput {
  /** `process`: this process accepts and stores (standalone); `store`: stored events counted in the store, accepted unknown. */
  counted: "process" | "store";
  minutes: { time: string; accepted: number | null; stored: number }[];
  deliveries: { destination: string; delivered: number; failed: number }[];
}

export interface EventSource {
  id: string;
  name: string;
  description: string;
  type: string[];
  channel: string;
  enabled: boolean;
  transitional: boolean;
  tags: string[];
  config: JsonObject;
  timestamp: string;
}

export interface TrackedEvent {
  id: string;
  type: string;
  metadata: {
    time: { insert: string };
    valid: boolean;
    messages: string[];
    processed_by: { rules: string[]; flows: string[] };
  };
  source: { id: string };
  session: { id: string } | null;
  profile: { id: string } | null;
  properties: JsonObject;
  [key: string]: unknown;
}

export interface MergeSkip {
  reason: string;
  merge_ids: string[];
  profiles: string[];
  at: string;
}

export interface Profile {
  id: string;
  ids: string[];
  metadata: {
    time: { insert: string; update: string | null; visit?: { count?: number; last?: string | null } };
    system: { aux: { auto_merge: string[]; merge_skipped?: MergeSkip[] } };
  };
  stats: { visits: number; views: number; counters: Record<string, number> };
  traits: JsonObject;
  segments: string[];
  data: JsonObject;
  [key: string]: unknown;
}

export interface Session {
  id: string;
  profile: { id: string } | null;
  metadata: { time: { insert: string; update: string; duration: number }; channel: string | null };
  [key: string]: unknown;
}

export interface FlowNode {
  id: string;
  type: string;
  config?: JsonObject;
}

export interface FlowEdge {
  source: string;
  sourcePort: string;
  target: string;
  targetPort: string;
}

export interface Flow {
  id: string;
  name: string;
  description?: string;
  nodes: FlowNode[];
  edges: FlowEdge[];
}

export interface Rule {
  id: string;
  name: string;
  source: { id: string };
  event_type: { id: string };
  flow: { id: string };
  enabled: boolean;
}

export interface Resource {
  id: string;
  name: string;
  enabled: boolean;
  credentials: { url: string; [key: string]: string | undefined };
}

export interface Destination {
  id: string;
  name: string;
  enabled: boolean;
  resource: { id: string };
  on_profile_change_only: boolean;
  source: { id: string } | null;
  event_type: { id: string } | null;
  condition: string | null;
  mapping: Json;
  destination: { type: "webhook"; init: { method: string; timeout_ms: number; max_attempts: number } };
}

export interface DeadLetter {
  id: string;
  topic: string;
  key: string;
  body: unknown;
  reason: string;
  attempts: number;
  failedAt: string;
}

/** One entry of the monitoring log (`GET /api/v1/logs`). */
export interface LogEntry {
  id: string;
  time: string;
  level: string;
  kind: string;
  process: string;
  message: string;
  details: unknown;
}
