/** Documents and helpers for the workflow unit tests. */
import type { JsonObject, Profile, Session, TrackedEvent } from "../../domain/types.js";
import { buildEvent } from "../process/event.js";
import { newProfile } from "../process/profile.js";
import { newSession } from "../process/session.js";
import type { CompiledFlow } from "./compiled.js";
import type { FlowEdge, FlowNode } from "./model.js";
import type { RunContext } from "./runner.js";
import { compileFlow } from "./validate.js";

export const NOW = new Date("2024-05-01T10:00:00.000Z");

export function makeProfile(id = "p-1"): Profile {
  return newProfile(id, NOW);
}

export function makeSession(id = "s-1", profileId: string | null = "p-1"): Session {
  return newSession({ id, profileId, channel: "web", context: {}, userAgent: null, now: NOW });
}

export function makeEvent(type = "purchase", properties: JsonObject = {}, id = "e-1"): TrackedEvent {
  return buildEvent({
    payload: { id, type, properties },
    sourceId: "src-1",
    channel: "web",
    session: null,
    profileId: "p-1",
    profileLess: false,
    context: {},
    request: { ip: null, headers: {} },
    receivedAt: NOW.toISOString(),
    now: NOW,
  });
}

export function context(overrides: Partial<RunContext> = {}): RunContext {
  return {
    event: makeEvent(),
    profile: makeProfile(),
    session: makeSession(),
    memory: {},
    now: NOW.toISOString(),
    ...overrides,
  };
}

/** `["a", "out", "b"]` → an edge from a's `out` port to b's payload input. */
export function edge(source: string, sourcePort: string, target: string, targetPort = "payload"): FlowEdge {
  return { source, sourcePort, target, targetPort };
}

/** A start node `s` followed by `nodes` chained on their payload ports. */
export function chain(...nodes: Array<Omit<FlowNode, "id"> & { id?: string }>): CompiledFlow {
  const withIds: FlowNode[] = [
    { id: "s", type: "start" },
    ...nodes.map((n, i) => ({ ...n, id: n.id ?? `n${i + 1}` }) as FlowNode),
  ];
  const edges = withIds.slice(1).map((n, i) => edge((withIds[i] as FlowNode).id, "payload", n.id));
  return compileFlow({ id: "f-1", name: "test", nodes: withIds, edges });
}
