import { getPath, isPlainObject } from "../../domain/paths.js";
import type { EventPayload } from "../../domain/payload.js";
import type { Json, JsonObject, Session, TrackedEvent } from "../../domain/types.js";

export interface EventInput {
  payload: EventPayload;
  sourceId: string;
  channel: string | null;
  session: Session | null;
  profileId: string | null;
  profileLess: boolean;
  context: JsonObject;
  request: { ip: string | null; headers: Record<string, string> };
  receivedAt: string;
  now: Date;
}

/** Builds the stored event (tracardi.md §3.3) from its payload and the computed session. */
export function buildEvent(input: EventInput): TrackedEvent {
  const { payload, session } = input;
  const context: JsonObject = { ...input.context, ...(payload.context ?? {}) };
  const page = getPath(context, "page");
  return {
    id: payload.id as string,
    name: capitalise(payload.type),
    type: payload.type,
    metadata: {
      time: {
        insert: payload.time?.insert ?? input.receivedAt,
        create: payload.time?.create ?? null,
        process_time: input.now.toISOString(),
      },
      ip: input.request.ip,
      status: "processed",
      channel: input.channel,
      profile_less: input.profileLess,
      valid: true,
      error: false,
      warning: false,
      messages: [],
      processed_by: { rules: [], flows: [] },
    },
    source: { id: input.sourceId },
    session: session
      ? { id: session.id, start: session.metadata.time.insert, duration: session.metadata.time.duration }
      : null,
    profile: input.profileId === null ? null : { id: input.profileId },
    properties: payload.properties ?? {},
    traits: {},
    context,
    request: { headers: input.request.headers },
    config: payload.options ?? {},
    tags: { values: [...(payload.tags ?? [])], count: payload.tags?.length ?? 0 },
    os: session?.os ?? null,
    app: session?.app ?? null,
    device: session?.device ?? null,
    hit: {
      name: str(getPath(page, "title")),
      url: str(getPath(page, "url")),
      referer: str(getPath(page, "referer.host")) ?? (isPlainObject(page) ? str(page.referer) : null),
    },
    utm: session?.utm ?? null,
    journey: { state: null },
    data: {},
  };
}

function capitalise(type: string): string {
  return type.length === 0 ? type : type.charAt(0).toUpperCase() + type.slice(1).replaceAll("-", " ");
}

function str(value: Json | undefined): string | null {
  return typeof value === "string" && value !== "" ? value : null;
}
