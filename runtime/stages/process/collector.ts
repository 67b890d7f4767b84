import { alreadyApplied, recordApplied } from "../../domain/applied-tasks.js";
import { eventIdOwner, scopedEventId } from "../../domain/event-ids.js";
import { cleanId } from "../../domain/ids.js";
import { mergeProfiles } from "../../domain/merge.js";
import { type IgnoredValues, isMergeId, markMergeIds, markMergeKeys } from "../../domain/merge-keys.js";
import {
  DEFAULT_MERGE_RAILS,
  type MergeRailSettings,
  planMerge,
  recordSkips,
} from "../../domain/merge-plan.js";
import type { MergeCommand, StorageMessage } from "../../domain/messages.js";
import { getPath, isPlainObject, setOwn, setPath } from "../../domain/paths.js";
import { type AcceptedPayload, type EventPayload, normalisedPayload } from "../../domain/payload.js";
import type {
  Json,
  JsonObject,
  MergeSkip,
  MergeSkipReason,
  Profile,
  Session,
  TrackedEvent,
} from "../../domain/types.js";
import {
  nextProfileVersion,
  nextSessionVersion,
  profileDoc,
  profileVersion,
  storedReaches,
  type VersionClaim,
  type VersionConflict,
} from "../../domain/versions.js";
import { errorMessage } from "../../error-message.js";
import { type BatchHandler, inKeyOrder, type Outcome } from "../../ports/queue.js";
import type { DataStore, EventIdClaim, EventIdVerdict, IdentityIndex } from "../../ports/store.js";
import { type HttpClient, runWorkflows } from "../workflow/index.js";
import { storeCaughtUp } from "./catch-up.js";
import type { ConfigCache, ProcessingConfig } from "./config-cache.js";
import { buildEvent } from "./event.js";
import { ExclusiveGate, KeyedLocks } from "./locks.js";
import { applyProfileWrite, type ProfileWrite } from "./mappings/apply.js";
import { BUILTIN_EVENT_TYPES } from "./mappings/builtin.js";
import { countVisit, newProfile } from "./profile.js";
import { newSession, updateSession } from "./session.js";
import type { PendingState, StateView } from "./state.js";
import { INTERNAL_SOURCE_ID, systemEvents } from "./system-events.js";
import type { EventValidator } from "./validation.js";
import type { WorkflowOutput } from "./workflow-results.js";

export interface ProcessDeps {
  state: StateView;
  config: ProcessingConfig;
  validator: EventValidator;
  /** The surviving id of a profile id (payloads accepted before a merge name the old id). */
  resolveProfile: (id: string) => Promise<string | null>;
  /** Salt of hashed merge ids; null switches auto profile merging off. */
  mergeSalt: string | null;
  /** Merge-key values that never identify anyone (default: DEFAULT_IGNORED_MERGE_VALUES). */
  mergeIgnored?: IgnoredValues;
  /** The workflow stage (null: switched off, no workflow runs); `http` serves remote-call nodes. */
  workflows: { http: HttpClient } | null;
  /** Claims client event ids (dedupe window applied); absent: every id is taken as sent. */
  claimEventIds?: (claims: EventIdClaim[]) => Promise<EventIdVerdict[]>;
  now: () => Date;
}

/**
 * The payload's events as processed: a client event id its owner (source and profile, or session)
 * sent before within the dedupe window, or earlier in the same payload, is dropped; one another
 * owner holds is stored under an id scoped to this owner, with a warning (`notes`, by new id).
 */
async function claimedEvents(
  message: AcceptedPayload,
  events: EventPayload[],
  owner: string,
  claim: ProcessDeps["claimEventIds"],
): Promise<{ events: EventPayload[]; notes: Map<string, string> }> {
  const notes = new Map<string, string>();
  const sent = message.payload.events.map((event) => cleanId(event.id));
  const claims = sent.flatMap((id) => (id === null ? [] : [{ id, owner, task: message.task }]));
  if (!claim || claims.length === 0) return { events, notes };
  const verdicts = new Map<string, EventIdVerdict>();
  for (const [index, verdict] of (await claim(claims)).entries())
    verdicts.set((claims[index] as EventIdClaim).id, verdict);
  const seen = new Set<string>();
  const out: EventPayload[] = [];
  for (const [index, event] of events.entries()) {
    const id = sent[index];
    if (id === null || id === undefined) {
      out.push(event);
      continue;
    }
    if (seen.has(id) || verdicts.get(id) === "duplicate") continue;
    seen.add(id);
    if (verdicts.get(id) === "foreign") {
      const scoped = scopedEventId(owner, id);
      notes.set(scoped, `event id ${id} belongs to another profile or session; stored as ${scoped}`);
      out.push({ ...event, id: scoped });
    } else out.push(event);
  }
  return { events: out, notes };
}

export interface Processed {
  profile: Profile | null;
  session: Session | null;
  events: TrackedEvent[];
  changedFields: string[];
  /** What workflows added to the `/track` response. */
  response: JsonObject;
  ux: Json[];
  /** Some event of the payload triggered a workflow (a waiting `/track` request can stop waiting). */
  workflowsRan: boolean;
  /**
   * The profile or session already holds this payload's effects (a redelivery): nothing was applied
   * again, and `profile`/`session` are the current documents.
   */
  alreadyApplied: boolean;
}

/**
 * The collector stage for one accepted payload (tracardi.md §4 steps 6–14): session and profile
 * computation, system events, event building, validation and event-to-profile mappings.
 */
export async function processPayload(message: AcceptedPayload, deps: ProcessDeps): Promise<Processed> {
  const now = deps.now();
  const { identity, source } = message;
  const payload = normalisedPayload(message);
  const options = payload.options ?? {};
  const context = payload.context ?? {};
  const saveEvents = options.saveEvents !== false && !source.transitional;
  const saveProfile = options.saveProfile !== false;
  // An artificial session for a known profile exists only for processing (tracardi.md §1.7 rule 1).
  const saveSession =
    options.saveSession !== false &&
    !source.transitional &&
    !(identity.artificialSession && !identity.profileCreated);

  const changed = new Set<string>();
  const profileId =
    identity.profileId === null
      ? null
      : ((await deps.resolveProfile(identity.profileId)) ?? identity.profileId);
  let profile: Profile | null = null;
  if (profileId !== null) {
    // A new profile is inserted when its payload was accepted, not when a collector loop got to it:
    // loops process profiles concurrently, and merges keep the earliest inserted profile.
    profile = (await deps.state.profile(profileId)) ?? newProfile(profileId, new Date(message.receivedAt));
  }

  const stored = await deps.state.session(identity.sessionId);
  if (alreadyApplied(message.task, profile, stored)) {
    const none = { events: [], changedFields: [], response: {}, ux: [], workflowsRan: false };
    return { profile, session: stored, ...none, alreadyApplied: true };
  }
  const session =
    stored ??
    newSession({
      id: identity.sessionId,
      profileId,
      channel: source.channel,
      context,
      userAgent: message.request.headers["user-agent"] ?? null,
      now,
    });
  if (profileId !== null) session.profile = { id: profileId };
  const visitStarted = identity.sessionCreated || stored?.metadata.status === "ended";
  updateSession(session, context, payload.properties ?? {}, now);

  if (profile && identity.sessionCreated) {
    const tz = getPath(context, "time.tz");
    countVisit(profile, now, typeof tz === "string" ? tz : null);
    changed.add("metadata.time.visit");
  }

  const claimed = await claimedEvents(
    message,
    payload.events,
    eventIdOwner(source.id, profileId, identity.sessionId),
    deps.claimEventIds,
  );
  payload.events = claimed.events;
  const clientTypes = payload.events.map((e) => e.type);
  // Profile-less hits are anonymous: no profile, so no visit and no system events.
  const internal =
    profile === null
      ? []
      : systemEvents({
          task: message.task,
          eventTypes: clientTypes,
          profileCreated: identity.profileCreated,
          visitStarted,
          sessionCreated: identity.sessionCreated,
          saveSession,
          now,
        });

  const events: TrackedEvent[] = [];
  for (const [index, eventPayload] of [...payload.events, ...internal].entries()) {
    const isInternal = index >= payload.events.length;
    const event = buildEvent({
      payload: eventPayload,
      sourceId: isInternal ? INTERNAL_SOURCE_ID : source.id,
      channel: source.channel,
      session: saveSession ? session : null,
      profileId: saveProfile ? profileId : null,
      profileLess: profile === null,
      context,
      request: message.request,
      receivedAt: message.receivedAt,
      now,
    });
    const note = claimed.notes.get(event.id);
    if (note !== undefined) {
      event.metadata.warning = true;
      event.metadata.messages.push(note);
    }
    mapEvent(event, eventPayload, profile, deps, now, changed);
    if (event.type === "visit-ended") session.metadata.status = "ended";
    else if (event.type === "visit-started") session.metadata.status = "started";
    else if (!isInternal) session.metadata.status = "active";
    events.push(event);
  }

  const inline = deps.workflows
    ? await runTriggeredWorkflows(
        events.slice(0, payload.events.length),
        profile,
        session,
        identity.sessionCreated,
        deps,
        now,
        changed,
      )
    : { response: {}, ux: [], workflowsRan: false };
  if (profile && deps.mergeSalt !== null && markMergeIds(profile, deps.mergeSalt, deps.mergeIgnored))
    changed.add("ids");
  if (profile && changed.size > 0) profile.metadata.time.update = now.toISOString();
  recordApplied(message.task, profile, session);
  return {
    profile: saveProfile ? profile : null,
    session: saveSession ? session : null,
    events: saveEvents ? events : [],
    changedFields: [...changed],
    ...inline,
    alreadyApplied: false,
  };
}

/**
 * The workflow stage for one payload (tracardi.md §7.2): each valid client event runs the flows of
 * the rules matching its source and type, over the same profile and session, in this profile's key
 * order, so a counter a flow increments is incremented exactly once per event.
 */
async function runTriggeredWorkflows(
  events: TrackedEvent[],
  profile: Profile | null,
  session: Session,
  sessionIsNew: boolean,
  deps: ProcessDeps,
  now: Date,
  changed: Set<string>,
): Promise<{ response: JsonObject; ux: Json[]; workflowsRan: boolean }> {
  const out = { response: {} as JsonObject, ux: [] as Json[], workflowsRan: false };
  for (const event of events) {
    if (!event.metadata.valid) continue;
    const jobs = deps.config.workflowsFor(event.source.id, event.type);
    if (jobs.length === 0) continue;
    out.workflowsRan = true;
    const memory = profile ? workflowMemory(profile) : {};
    const result = await runWorkflows(
      jobs,
      { event, profile, session, sessionIsNew, now: now.toISOString(), memory },
      { http: deps.workflows?.http },
    );
    event.metadata.processed_by = result.processedBy;
    for (const field of result.changes.profile) changed.add(field);
    if (result.changes.memory.length > 0) changed.add("aux.workflow_memory");
    for (const failure of result.errors) {
      event.metadata.warning = true;
      event.metadata.messages.push(`flow ${failure.flow ?? "?"}, node ${failure.node}: ${failure.message}`);
    }
    if (profile && deps.mergeSalt !== null && result.mergeKeys.length > 0) {
      const marks = { ignored: deps.mergeIgnored };
      const plain = result.mergeKeys.filter((key) => !result.forceMergeKeys.includes(key));
      if (markMergeKeys(profile, plain, deps.mergeSalt, marks)) changed.add("ids");
      if (markMergeKeys(profile, result.forceMergeKeys, deps.mergeSalt, { ...marks, force: true }))
        changed.add("ids");
    }
    for (const [key, value] of Object.entries(result.response)) setOwn(out.response, key, value);
    out.ux.push(...result.ux);
  }
  return out;
}

/** Flow memory (write/read-memory nodes) lives with the profile, per flow. */
function workflowMemory(profile: Profile): Record<string, JsonObject> {
  const current = profile.aux.workflow_memory;
  if (!isPlainObject(current)) profile.aux.workflow_memory = {};
  return profile.aux.workflow_memory as Record<string, JsonObject>;
}

/** Validation, built-in copy/tags/state, and the profile mappings of one event. */
function mapEvent(
  event: TrackedEvent,
  payload: EventPayload,
  profile: Profile | null,
  { config, validator }: ProcessDeps,
  now: Date,
  changed: Set<string>,
): void {
  const schemas = config.schemasFor(event.type);
  if (schemas.length > 0) {
    const result = validator.validate(event as unknown as Record<string, Json>, schemas);
    if (!result.valid) {
      event.metadata.valid = false;
      event.metadata.messages.push(...result.messages);
      return;
    }
  }
  const builtin = BUILTIN_EVENT_TYPES.get(event.type);
  const doc = event as unknown as JsonObject;
  const writes: ProfileWrite[] = [];
  if (builtin) {
    for (const [target, from] of Object.entries(builtin.copy)) {
      const value = getPath(doc, from);
      if (value !== undefined && value !== null) setPath(doc, target, value);
    }
    event.tags.values = [...new Set([...event.tags.values, ...builtin.tags])];
    event.tags.count = event.tags.values.length;
    if (builtin.state !== null) event.journey.state = builtin.state;
    for (const [target, op] of Object.entries(builtin.profile)) {
      if (op.op === "increment") writes.push({ target, op: "increment", value: op.by });
      else writes.push({ target, op: op.op, value: getPath(doc, op.from) ?? null });
    }
  }
  for (const mapping of config.mappingsFor(event.type, event.source.id)) {
    for (const rule of mapping.event_to_profile) {
      writes.push({ target: rule.profile.value, op: rule.op, value: getPath(doc, rule.event.value) ?? null });
    }
  }
  if (profile === null || payload.options?.profile === false) return;
  for (const write of writes) {
    try {
      if (applyProfileWrite(profile, write, event.id, now.toISOString())) changed.add(write.target);
    } catch (error) {
      event.metadata.error = true;
      event.metadata.messages.push(errorMessage(error));
    }
  }
}

export interface MergeDeps {
  state: PendingState;
  store: DataStore;
  identity: IdentityIndex;
  now: () => Date;
  /** Salt of hashed merge ids; null: merging is off (a marked profile merges without rails). */
  salt?: string | null;
  rails?: MergeRailSettings;
  /** Called once per merge the rails skipped, with the reason (for the metric). */
  onSkipped?: (reason: MergeSkipReason) => void;
  /** Claims the versions the merge writes (all or none) before any alias is made. */
  claimVersions: (claims: VersionClaim[]) => Promise<VersionConflict[]>;
}

/**
 * A merge to store, nothing to do (null), or versions the store does not hold yet: another worker
 * wrote them first, or they are this worker's and still on their way to the store (do it again then).
 */
export type MergeOutcome =
  | { store: Omit<StorageMessage, "stateSeq"> }
  | { conflicts: VersionConflict[] }
  | null;

/**
 * Merges a profile marked for merging with the profiles sharing one of its merge ids (tracardi.md
 * §8) that the merge rails allow (`planMerge`); skips are recorded on the profile. A command naming
 * `profiles` is a forced merge of exactly those. Runs in the collector, in key order with the
 * profile's payloads, so no update is lost; the merged-away ids become aliases of the survivor at
 * once, and storage moves their events and sessions. Returns null when there is nothing to store.
 */
export async function processMerge(command: MergeCommand, deps: MergeDeps): Promise<MergeOutcome> {
  const task = command.task ?? `merge:${command.profileId}:${deps.now().toISOString()}`;
  const base = { task, session: null, events: [] };
  const rails = deps.salt ? { salt: deps.salt, ...(deps.rails ?? DEFAULT_MERGE_RAILS) } : null;
  // The version each profile was read at: the merge claims the next one of every profile it writes.
  const versions = new Map<string, number>();
  const latest = async (id: string) => {
    const found = await deps.state.profile((await deps.identity.resolveProfile(id)) ?? id);
    if (found) versions.set(found.id, profileVersion(found));
    return found;
  };
  const profile = await latest(command.profileId);
  if (!profile) return null;

  let others: Profile[] = [];
  let skipped: MergeSkip[] = [];
  if (command.profiles !== undefined) {
    for (const id of command.profiles) {
      const other = await latest(id);
      if (other && other.id !== profile.id && !others.some((p) => p.id === other.id)) others.push(other);
    }
  } else {
    if (profile.metadata.system.aux.auto_merge.length === 0) return null;
    if (rails) markMergeIds(profile, rails.salt, rails.ignored);
    const candidates: Profile[] = [];
    const seen = new Set([profile.id]);
    for (const candidate of await deps.store.profilesWithIds(profile.ids.filter(isMergeId))) {
      // The store may still hold a profile an earlier merge of this pass joined: take its survivor
      // (read back as it is, it would be merged, and counted, a second time).
      const current = await latest(candidate.id);
      if (!current || seen.has(current.id)) continue;
      seen.add(current.id);
      candidates.push(current);
    }
    const plan = rails
      ? planMerge(profile, candidates, rails, deps.now())
      : { merge: candidates, skipped: [] };
    others = plan.merge;
    skipped = plan.skipped;
    for (const skip of skipped) deps.onSkipped?.(skip.reason);
  }

  if (others.length === 0) {
    // A forced merge searched none of the profile's merge ids: its marks stay for the next pass.
    if (command.profiles !== undefined) return null;
    profile.metadata.system.aux.auto_merge = [];
    delete profile.metadata.system.aux.force_merge;
    recordSkips(profile, skipped);
    const conflicts = await deps.claimVersions([nextProfileVersion(profile, task, versions.get(profile.id))]);
    if (conflicts.length > 0) return { conflicts };
    const changedFields = skipped.length > 0 ? ["metadata.system.aux.merge_skipped"] : [];
    return { store: { ...base, profile, changedFields } };
  }
  // Storage moves the joined profiles' events and sessions once the merge is stored: what their
  // payloads forwarded must be stored first (it may still be queued under their own keys).
  const behind = await unstored([profile, ...others], deps.store);
  if (behind.length > 0) return { conflicts: behind };
  const { survivor, merged } = mergeProfiles([profile, ...others], deps.now());
  // A mark is a search not done yet: the survivor keeps the marks of the merged profiles, except
  // the ids an automatic merge has just searched (the base's), so a profile that shares one of them
  // with a third is still found (by this pass, when the merged profile's own command comes, or the next).
  const searched = new Set(command.profiles === undefined ? profile.ids : []);
  survivor.metadata.system.aux.auto_merge = [
    ...new Set([profile, ...others].flatMap((p) => p.metadata.system.aux.auto_merge)),
  ].filter((id) => !searched.has(id));
  // The survivor holds every merged profile's ids: keep only those of values it still holds.
  if (rails) markMergeIds(survivor, rails.salt, rails.ignored);
  recordSkips(survivor, skipped);
  // Every joined profile is claimed, so the merge is serialised against their payloads and other
  // merges in any worker: whoever wrote one of them meanwhile makes this merge run again on it.
  const conflicts = await deps.claimVersions([
    nextProfileVersion(survivor, task, versions.get(survivor.id)),
    ...merged.map((id) => ({ doc: profileDoc(id), from: versions.get(id) ?? 0, task })),
  ]);
  if (conflicts.length > 0) return { conflicts };
  for (const gone of merged) {
    await deps.identity.alias(gone, survivor.id);
    deps.state.forget(gone);
  }
  return { store: { ...base, profile: survivor, changedFields: ["ids"], mergedProfiles: merged } };
}

/** The profiles the store does not hold at the version read (or a newer one). */
async function unstored(profiles: Profile[], store: DataStore): Promise<VersionConflict[]> {
  const behind: VersionConflict[] = [];
  for (const profile of profiles) {
    const doc = profileDoc(profile.id);
    const version = profileVersion(profile);
    if (!storedReaches(await store.getProfile(profile.id), doc, version)) behind.push({ doc, version });
  }
  return behind;
}

const DEFAULT_DEDUPE_WINDOW_MS = 24 * 3_600_000;

/** Forwards kept for redeliveries whose forward may have failed (see `collectorStage`). */
const RECENT_FORWARDS_KEPT = 1000;

interface Forwarded {
  profile: boolean;
  session: boolean;
  events: TrackedEvent[];
  changedFields: string[];
}

/** The newest forwards by task, oldest dropped first. */
class RecentForwards {
  private readonly entries = new Map<string, Forwarded>();
  constructor(private readonly capacity: number) {}
  get(task: string): Forwarded | undefined {
    return this.entries.get(task);
  }
  set(task: string, forward: Forwarded): void {
    this.entries.delete(task);
    this.entries.set(task, forward);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }
}

export interface CollectorStageDeps {
  state: PendingState;
  config: ConfigCache;
  validator: EventValidator;
  store: DataStore;
  identity: IdentityIndex;
  mergeSalt: string | null;
  /** The merge rails (ignored values, the shared-value cap); defaults when not given. */
  mergeRails?: MergeRailSettings;
  /** Called once per automatic merge the rails skipped (the metric). */
  onMergeSkipped?: (reason: MergeSkipReason) => void;
  workflows: { http: HttpClient } | null;
  /**
   * Aborted when the process stops: remote calls in flight end at once, and a payload whose workflows
   * ran meanwhile is deferred (handled again, whole, after the restart), never stored with a half result.
   */
  shutdown?: AbortSignal;
  /** Receives what workflows produced for a payload, for a `/track` request waiting for it. */
  onWorkflowOutput?: (task: string, output: WorkflowOutput) => void;
  /** Called after a merge, so other connections drop cached identities. */
  onProfilesMerged?: (survivor: string, merged: string[]) => void;
  /** `TRACARDI_DEDUPE_WINDOW` in ms: a client event id re-sent by its owner within it is dropped. */
  dedupeWindowMs?: number;
  /** Called with the number of client events dropped as re-sent (the metric). */
  onDuplicateEvents?: (count: number) => void;
  /** Called when a version claim found documents another worker wrote first (the metric). */
  onVersionConflict?: (count: number) => void;
  /** Messages on the storage topic not stored yet (finds claims whose forward never went out). */
  storageBacklog?: () => Promise<number>;
  /** Says why a message waits or is retried (a line for the log). */
  log?: (line: string) => void;
  /** How long a refused claim waits for the store to hold the newest versions (default 20 s). */
  versionWaitMs?: number;
  now?: () => Date;
}

/** A message handled (its outcome), or refused versions: it is handled again from the newest ones. */
type Step = { outcome: Outcome } | { conflicts: VersionConflict[] };

const VERSION_WAIT_MS = 20_000;
/** Storage idle this long below a claimed version: the claim's forward never went out. */
const ABANDONED_CLAIM_MS = 10_000;
/** Claims refused in a row before the message is retried later through the queue. */
const CLAIM_ATTEMPTS = 5;

/** Runs `step` until its claims succeed, waiting for the store between attempts. */
async function untilClaimed(
  step: () => Promise<Step>,
  task: string | undefined,
  shutdown: AbortSignal | undefined,
  catchUp: (conflicts: VersionConflict[], task: string | undefined) => Promise<void>,
): Promise<Outcome> {
  for (let attempt = 1; ; attempt++) {
    const result = await step();
    if ("outcome" in result) return result.outcome;
    const docs = result.conflicts.map((c) => `${c.doc} (version ${c.version})`).join(", ");
    if (attempt >= CLAIM_ATTEMPTS)
      return { kind: "retry", reason: `another worker keeps writing ${docs} first` };
    await catchUp(result.conflicts, task);
    // Stopping: handled again, whole, after the restart (or by another worker).
    if (shutdown?.aborted) return { kind: "defer" };
  }
}

/**
 * Queue handler of the collector stage: processes payloads and merge commands, forwards to storage.
 * Different profiles are processed at the same time, so one payload waiting for a slow remote-call
 * node holds only its own profile (and session); a merge, which touches several profiles, runs
 * alone. Each message's ack and forward stay one step.
 */
export function collectorStage(deps: CollectorStageDeps): BatchHandler<AcceptedPayload | MergeCommand> {
  const now = deps.now ?? (() => new Date());
  const resolveProfile = (id: string) => deps.identity.resolveProfile(id);
  const gate = new ExclusiveGate();
  const locks = new KeyedLocks();
  const forwarded = new RecentForwards(RECENT_FORWARDS_KEPT);
  const catchUp = (conflicts: VersionConflict[], task: string | undefined) =>
    storeCaughtUp(conflicts, task, {
      store: deps.store,
      identity: deps.identity,
      storageBacklog: deps.storageBacklog,
      waitMs: deps.versionWaitMs ?? VERSION_WAIT_MS,
      abandonAfterMs: ABANDONED_CLAIM_MS,
      log: deps.log,
      shutdown,
    });
  /** Claims versions; on a conflict this process's copies of those documents are outdated: dropped. */
  const claim = async (claims: VersionClaim[]): Promise<VersionConflict[]> => {
    const conflicts = await deps.identity.claimVersions(claims);
    if (conflicts.length === 0) return conflicts;
    for (const { doc } of conflicts) deps.state.forgetDoc(doc);
    deps.identity.refresh();
    deps.onVersionConflict?.(conflicts.length);
    return conflicts;
  };
  const window = deps.dedupeWindowMs ?? DEFAULT_DEDUPE_WINDOW_MS;
  const shutdown = deps.shutdown;
  const workflows =
    deps.workflows && shutdown ? { http: withSignal(deps.workflows.http, shutdown) } : deps.workflows;
  return async (batch, settleEarly) => {
    const config = await deps.config.current();
    const toStorage = (result: Omit<StorageMessage, "stateSeq">, key: string): Outcome => {
      const stateSeq = deps.state.remember(result.profile, result.session);
      const { task, profile, session, events, changedFields, mergedProfiles } = result;
      const message: StorageMessage = {
        task,
        profile,
        session,
        events,
        changedFields,
        mergedProfiles,
        stateSeq,
      };
      // Keyed by the profile written: every version of it reaches storage in one key's order, whatever
      // key (an id merged since, a session) the payload came with.
      const storageKey = profile?.id ?? key;
      return { kind: "ack", forward: [{ topic: "storage", key: storageKey, body: message }] };
    };
    const merge = async (command: MergeCommand, key: string): Promise<Step> => {
      const merged = await processMerge(command, {
        state: deps.state,
        store: deps.store,
        identity: deps.identity,
        now,
        salt: deps.mergeSalt,
        rails: deps.mergeRails,
        onSkipped: deps.onMergeSkipped,
        claimVersions: claim,
      });
      if (merged === null) return { outcome: { kind: "ack" } };
      if ("conflicts" in merged) return merged;
      const { profile, mergedProfiles } = merged.store;
      if (profile && mergedProfiles?.length) deps.onProfilesMerged?.(profile.id, mergedProfiles);
      return { outcome: toStorage(merged.store, key) };
    };
    const payload = async (body: AcceptedPayload, key: string): Promise<Step> => {
      const { profileId, sessionId } = body.identity;
      // Under the gate, no merge runs: the surviving id cannot change before the payload is done.
      const profile = profileId === null ? key : ((await resolveProfile(profileId)) ?? profileId);
      return locks.with([`profile:${profile}`, `session:${sessionId}`], async () => {
        const result = await processPayload(body, {
          state: deps.state,
          config,
          validator: deps.validator,
          resolveProfile,
          mergeSalt: deps.mergeSalt,
          mergeIgnored: deps.mergeRails?.ignored,
          workflows,
          claimEventIds: async (claims) => {
            const verdicts = await deps.identity.claimEventIds(claims, now().getTime(), window);
            const dropped = verdicts.filter((v) => v === "duplicate").length;
            if (dropped > 0) deps.onDuplicateEvents?.(dropped);
            return verdicts;
          },
          now,
        });
        if (result.alreadyApplied) {
          // A redelivery. Its forward may have failed after the effects were applied here: send
          // what it carried again with the current documents (an upsert of the same ids).
          const earlier = forwarded.get(body.task);
          if (!earlier) return { outcome: { kind: "ack" } };
          const again = {
            task: body.task,
            profile: earlier.profile ? result.profile : null,
            session: earlier.session ? result.session : null,
            events: earlier.events,
            changedFields: earlier.changedFields,
          };
          return { outcome: toStorage(again, key) };
        }
        // A remote call may have been cut short: what the flows did is not the whole of it.
        if (result.workflowsRan && shutdown?.aborted) return { outcome: { kind: "defer" } };
        const claims = [
          ...(result.profile ? [nextProfileVersion(result.profile, body.task)] : []),
          ...(result.session ? [nextSessionVersion(result.session, body.task)] : []),
        ];
        const conflicts = await claim(claims);
        if (conflicts.length > 0) return { conflicts };
        if (result.workflowsRan) {
          deps.onWorkflowOutput?.(body.task, { response: result.response, ux: result.ux });
        }
        forwarded.set(body.task, {
          profile: result.profile !== null,
          session: result.session !== null,
          events: result.events,
          changedFields: result.changedFields,
        });
        return { outcome: toStorage({ task: body.task, ...result }, key) };
      });
    };
    const handle = inKeyOrder<AcceptedPayload | MergeCommand>(
      (delivery) => {
        const body = delivery.body;
        return untilClaimed(
          () =>
            "kind" in body
              ? gate.exclusive(() => merge(body, delivery.key))
              : gate.shared(() => payload(body, delivery.key)),
          body.task,
          shutdown,
          catchUp,
        );
      },
      { concurrentKeys: true, settleEach: true },
    );
    return handle(batch, settleEarly);
  };
}

/** The client with `signal` (too) on every request. */
function withSignal(http: HttpClient, signal: AbortSignal): HttpClient {
  return (request) =>
    http({ ...request, signal: request.signal ? AbortSignal.any([request.signal, signal]) : signal });
}
