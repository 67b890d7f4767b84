import { isPlainObject, setOwn } from "../../domain/paths.js";
import type { Json, JsonObject, Profile, Session, TrackedEvent } from "../../domain/types.js";
import type { CompiledFlow } from "./compiled.js";
import { type Changes, type FlowRunResult, type NodeFailure, type RunOptions, runFlow } from "./runner.js";

/** One flow to run for an event, with the rule that triggered it. */
export interface WorkflowJob {
  ruleId?: string;
  flow: CompiledFlow;
}

export interface WorkflowsContext {
  event: TrackedEvent;
  profile: Profile | null;
  session: Session | null;
  /** The session was created by the payload being processed (Tracardi's `session.is_new()`). */
  sessionIsNew?: boolean;
  now: string;
  /** Memory per flow id for this profile; entries are created for flows that have none. */
  memory: Record<string, JsonObject>;
}

export interface WorkflowsResult {
  /** Keys for the `/track` response (later flows win on the same key). */
  response: JsonObject;
  ux: Json[];
  changes: Changes;
  mergeKeys: string[];
  forceMergeKeys: string[];
  /** For `event.metadata.processed_by`. */
  processedBy: { rules: string[]; flows: string[] };
  /** Memory of the flows that wrote to it, to be saved by the caller. */
  memoryChanged: Record<string, JsonObject>;
  errors: Array<NodeFailure & { flow: string | undefined }>;
  runs: FlowRunResult[];
}

/**
 * Runs the flows of all matched rules for one event, one after the other in rule order over the
 * shared profile and session (Tracardi runs them concurrently and the last writer wins; here the
 * order is deterministic).
 */
export async function runWorkflows(
  jobs: WorkflowJob[],
  context: WorkflowsContext,
  options: RunOptions = {},
): Promise<WorkflowsResult> {
  const out: WorkflowsResult = {
    response: {},
    ux: [],
    changes: { profile: [], session: [], event: [], memory: [] },
    mergeKeys: [],
    forceMergeKeys: [],
    processedBy: { rules: [], flows: [] },
    memoryChanged: {},
    errors: [],
    runs: [],
  };
  for (const job of jobs) {
    const flowKey = job.flow.id ?? job.flow.name;
    const memory = flowMemory(context.memory, flowKey);
    const run = await runFlow(
      job.flow,
      {
        event: context.event,
        profile: context.profile,
        session: context.session,
        sessionIsNew: context.sessionIsNew,
        memory,
        now: context.now,
      },
      options,
    );
    out.runs.push(run);
    for (const [key, value] of Object.entries(run.response)) setOwn(out.response, key, value);
    out.ux.push(...run.ux);
    for (const key of ["profile", "session", "event", "memory"] as const)
      addAll(out.changes[key], run.changes[key]);
    addAll(out.mergeKeys, run.mergeKeys);
    addAll(out.forceMergeKeys, run.forceMergeKeys);
    if (job.ruleId !== undefined) addAll(out.processedBy.rules, [job.ruleId]);
    addAll(out.processedBy.flows, [flowKey]);
    if (run.changes.memory.length > 0) setOwn(out.memoryChanged, flowKey, memory);
    for (const error of run.errors) out.errors.push({ flow: job.flow.id, ...error });
  }
  return out;
}

/**
 * The flow's own memory, created when absent. Flow ids are client text: an id such as `__proto__` or
 * `constructor` must get its own object, never an inherited member of the memory record.
 */
function flowMemory(all: Record<string, JsonObject>, flowKey: string): JsonObject {
  const current = Object.hasOwn(all, flowKey) ? all[flowKey] : undefined;
  if (isPlainObject(current)) return current;
  const memory: JsonObject = {};
  setOwn(all, flowKey, memory);
  return memory;
}

function addAll(target: string[], items: string[]): void {
  for (const item of items) if (!target.includes(item)) target.push(item);
}
