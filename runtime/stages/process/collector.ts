import { mergeProfiles } from "../../domain/merge.js";
import { isMergeId, markMergeIds, markMergeKeys } from "../../domain/merge-keys.js";
import type { MergeCommand, StorageMessage } from "../../domain/messages.js";
import { getPath, isPlainObject, setOwn, setPath } from "../../domain/paths.js";
import { type AcceptedPayload, type EventPayload, normalisedPayload } from "../../domain/payload.js";
import type { Json, JsonObject, Profile, Session, TrackedEvent } from "../../domain/types.js";
import { type BatchHandler, inKeyOrder, type Outcome } from "../../ports/queue.js";
import type { DataStore, IdentityIndex } from "../../ports/store.js";
import { type HttpClient, runWorkflows } from "../workflow/index.js";
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
  /** The workflow stage (null: switched off, no workflow runs); `http` serves remote-call nodes. */
  workflows: { http: HttpClient } | null;
  now: () => Date;
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
    profile = (await deps.state.profile(profileId)) ?? newProfile(profileId, now);
  }

  const stored = await deps.state.session(identity.sessionId);
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
        deps,
        now,
        changed,
      )
    : { response: {}, ux: [], workflowsRan: false };
  if (profile && deps.mergeSalt !== null && markMergeIds(profile, deps.mergeSalt).length > 0)
    changed.add("ids");
  if (profile && changed.size > 0) profile.metadata.time.update = now.toISOString();
  return {
    profile: saveProfile ? profile : null,
    session: saveSession ? session : null,
    events: saveEvents ? events : [],
    changedFields: [...changed],
    ...inline,
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
      { event, profile, session, now: now.toISOString(), memory },
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
      if (markMergeKeys(profile, result.mergeKeys, deps.mergeSalt).length > 0) changed.add("ids");
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
      event.metadata.messages.push(error instanceof Error ? error.message : String(error));
    }
  }
}

export interface MergeDeps {
  state: PendingState;
  store: DataStore;
  identity: IdentityIndex;
  now: () => Date;
}

/**
 * Merges a profile marked for merging with every profile sharing one of its merge ids (tracardi.md
 * §8). Runs in the collector, in key order with the profile's payloads, so no update is lost; the
 * merged-away ids become aliases of the survivor at once, and storage moves their events and
 * sessions. Returns null when there is nothing to store.
 */
export async function processMerge(
  command: MergeCommand,
  deps: MergeDeps,
): Promise<Omit<StorageMessage, "stateSeq"> | null> {
  const id = (await deps.identity.resolveProfile(command.profileId)) ?? command.profileId;
  const profile = await deps.state.profile(id);
  if (!profile || profile.metadata.system.aux.auto_merge.length === 0) return null;
  const candidates = await deps.store.profilesWithIds(profile.ids.filter(isMergeId));
  const others: Profile[] = [];
  for (const candidate of candidates) {
    if (candidate.id === profile.id) continue;
    const latest = await deps.state.profile(candidate.id);
    if (latest) others.push(latest);
  }
  const base = { task: `merge:${profile.id}`, session: null, events: [] };
  if (others.length === 0) {
    profile.metadata.system.aux.auto_merge = [];
    return { ...base, profile, changedFields: [] };
  }
  const { survivor, merged } = mergeProfiles([profile, ...others], deps.now());
  for (const gone of merged) {
    await deps.identity.alias(gone, survivor.id);
    deps.state.forget(gone);
  }
  return { ...base, profile: survivor, changedFields: ["ids"], mergedProfiles: merged };
}

export interface CollectorStageDeps {
  state: PendingState;
  config: ConfigCache;
  validator: EventValidator;
  store: DataStore;
  identity: IdentityIndex;
  mergeSalt: string | null;
  workflows: { http: HttpClient } | null;
  /**
   * Aborted when the process stops: remote calls in flight end at once, and a payload whose workflows
   * ran meanwhile is deferred (handled again, whole, after the restart), never stored with a half result.
   */
  shutdown?: AbortSignal;
  /** Receives what workflows produced for a payload, for a `/track` request waiting for it. */
  onWorkflowOutput?: (task: string, output: WorkflowOutput) => void;
  /** Called after a merge, so other connections drop cached identities. */
  onProfilesMerged?: () => void;
  now?: () => Date;
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
      return { kind: "ack", forward: [{ topic: "storage", key, body: message }] };
    };
    const merge = async (command: MergeCommand, key: string): Promise<Outcome> => {
      const merged = await processMerge(command, {
        state: deps.state,
        store: deps.store,
        identity: deps.identity,
        now,
      });
      if (merged === null) return { kind: "ack" };
      if (merged.mergedProfiles?.length) deps.onProfilesMerged?.();
      return toStorage(merged, key);
    };
    const payload = async (body: AcceptedPayload, key: string): Promise<Outcome> => {
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
          workflows,
          now,
        });
        // A remote call may have been cut short: what the flows did is not the whole of it.
        if (result.workflowsRan && shutdown?.aborted) return { kind: "defer" };
        if (result.workflowsRan) {
          deps.onWorkflowOutput?.(body.task, { response: result.response, ux: result.ux });
        }
        return toStorage({ task: body.task, ...result }, key);
      });
    };
    const handle = inKeyOrder<AcceptedPayload | MergeCommand>(
      (delivery) => {
        const body = delivery.body;
        return "kind" in body
          ? gate.exclusive(() => merge(body, delivery.key))
          : gate.shared(() => payload(body, delivery.key));
      },
      { concurrentKeys: true },
    );
    return handle(batch, settleEarly);
  };
}

/** The client with `signal` (too) on every request. */
function withSignal(http: HttpClient, signal: AbortSignal): HttpClient {
  return (request) =>
    http({ ...request, signal: request.signal ? AbortSignal.any([request.signal, signal]) : signal });
}
