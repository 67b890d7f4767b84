import type { Json, JsonObject, Profile, Session, TrackedEvent } from "../../domain/types.js";
import { Activation, type RunState } from "./activation.js";
import type { CompiledFlow } from "./compiled.js";
import { type HttpClient, noHttp } from "./http.js";
import type { NodeType } from "./model.js";
import { NodeError, type NodeOutput } from "./nodes/types.js";

export interface RunContext {
  event: TrackedEvent;
  /** Mutated in place; the caller saves it when `changes.profile` is not empty. */
  profile: Profile | null;
  session: Session | null;
  /** The session was created by the payload being processed (Tracardi's `session.is_new()`). */
  sessionIsNew?: boolean;
  /** This flow's memory for this profile; mutated in place (see `changes.memory`). */
  memory: JsonObject;
  /** ISO time of the run, used for `metadata.fields` stamps. */
  now: string;
}

export interface RunOptions {
  /** Used by `remote-call`; without it remote calls fail onto their `error` port. */
  http?: HttpClient;
  /** Guard against fan-out explosions: node activations per run (default 10 000). */
  maxActivations?: number;
}

export interface NodeFailure {
  node: string;
  type: NodeType;
  message: string;
}

export interface Changes {
  /** Dotted paths written or deleted, e.g. `stats.views`, `traits.a`. */
  profile: string[];
  session: string[];
  event: string[];
  /** Memory keys written. */
  memory: string[];
}

export interface FlowRunResult {
  flowId: string | undefined;
  response: JsonObject;
  ux: Json[];
  changes: Changes;
  /** Profile paths to merge by (without `profile@`), accumulated over all merge nodes. */
  mergeKeys: string[];
  /** The merge keys of nodes with `force`. */
  forceMergeKeys: string[];
  errors: NodeFailure[];
  /** Node activations in execution order, with the ports each one emitted on. */
  trace: Array<{ node: string; ports: string[] }>;
}

const DEFAULT_MAX_ACTIVATIONS = 10_000;

/**
 * Runs a compiled flow for one event (tracardi.md §7.2). Start nodes get the event as payload; each
 * activation's outputs travel along the edges of their port; a node runs once per value that reaches
 * it, in topological order; a port without output stops that branch. A node error is recorded and
 * stops its branch only. Pure apart from the injected HTTP client and the documents it mutates.
 */
export async function runFlow(
  flow: CompiledFlow,
  context: RunContext,
  options: RunOptions = {},
): Promise<FlowRunResult> {
  const state = newState(context, options.http ?? noHttp);
  const errors: NodeFailure[] = [];
  const trace: FlowRunResult["trace"] = [];
  const limit = options.maxActivations ?? DEFAULT_MAX_ACTIVATIONS;
  const inbox: Json[][] = flow.nodes.map(() => []);
  const event = context.event as unknown as Json;
  let activations = 0;

  for (const [index, node] of flow.nodes.entries()) {
    const inputs = node.isStart ? [event] : (inbox[index] as Json[]);
    inbox[index] = [];
    for (const input of inputs) {
      if (++activations > limit) {
        errors.push({
          node: node.id,
          type: node.type,
          message: `more than ${limit} node activations in one run`,
        });
        return result(flow, state, errors, trace);
      }
      const outputs = await activate(node.run, new Activation(node.id, state, input), node, errors);
      trace.push({ node: node.id, ports: outputs.map((o) => o.port) });
      for (const output of outputs) {
        for (const target of node.targets.get(output.port) ?? []) inbox[target]?.push(output.value);
      }
    }
  }
  return result(flow, state, errors, trace);
}

async function activate(
  run: CompiledFlow["nodes"][number]["run"],
  activation: Activation,
  node: { id: string; type: NodeType },
  errors: NodeFailure[],
): Promise<NodeOutput[]> {
  try {
    const outputs = run(activation);
    return outputs instanceof Promise ? await outputs : outputs;
  } catch (error) {
    const message =
      error instanceof NodeError
        ? error.message
        : `unexpected error: ${(error as Error)?.message ?? String(error)}`;
    errors.push({ node: node.id, type: node.type, message });
    return [];
  }
}

function newState(context: RunContext, http: HttpClient): RunState {
  return {
    event: context.event,
    profile: context.profile,
    session: context.session,
    sessionIsNew: context.sessionIsNew ?? false,
    memory: context.memory,
    now: context.now,
    http,
    response: {},
    ux: [],
    mergeKeys: new Set(),
    forceMergeKeys: new Set(),
    changes: { profile: new Set(), session: new Set(), event: new Set(), memory: new Set() },
  };
}

function result(
  flow: CompiledFlow,
  state: RunState,
  errors: NodeFailure[],
  trace: FlowRunResult["trace"],
): FlowRunResult {
  return {
    flowId: flow.id,
    response: state.response,
    ux: state.ux,
    changes: {
      profile: [...state.changes.profile],
      session: [...state.changes.session],
      event: [...state.changes.event],
      memory: [...state.changes.memory],
    },
    mergeKeys: [...state.mergeKeys],
    forceMergeKeys: [...state.forceMergeKeys],
    errors,
    trace,
  };
}
