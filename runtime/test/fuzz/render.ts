import { cleanId } from "../../domain/ids.js";
import type { CaseSpec, CollectCase, ConfigCase, ConfigTarget, Encoding, TrackCase } from "./cases.js";
import { type FuzzValue, isMarker, jsonText, wellFormed } from "./values.js";

/** What the runner set up for the cases: sources and a loopback receiver for remote calls. */
export interface FuzzEnv {
  restSource: string;
  webhookSource: string;
  /** Base URL of the test's own HTTP receiver on 127.0.0.1. */
  sinkUrl: string;
}

/** Events a 2xx answer makes the runtime responsible for. */
export interface Expectation {
  /** Per event, the id it gets: the client's (trimmed) or null when the runtime derives it from the task. */
  eventIds: (string | null)[];
}

/** One HTTP request of a case. */
export interface Step {
  api: "public" | "private";
  method: "GET" | "POST" | "PUT" | "DELETE";
  path: string;
  headers: Record<string, string>;
  body?: Uint8Array;
  /** A 2xx answer means these events must be stored or dead-lettered; "unknown": could not tell. */
  expects?: Expectation | "unknown";
  /** A 2xx answer's `id` is bound to this name (`{flow}`, `{resource}`, `{config}`) for later steps. */
  binds?: string;
  /** Sent only once every binding it uses exists. */
  needs?: string[];
  /** A 2xx answer created something under this collection: deleted after the batch. */
  creates?: string;
}

const BROWSER_UA =
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36";

/** The identifiers a case uses, unique per case so its traces can be found. */
export function tagIds(tag: string) {
  return { session: `s-${tag}`, event: (i: number) => `${tag}-e${i}`, type: `fz-${tag}` };
}

/** The HTTP requests of a case. */
export function render(spec: CaseSpec, tag: string, env: FuzzEnv): Step[] {
  switch (spec.kind) {
    case "track":
      return [renderTrack(spec, tag, env)];
    case "collect":
      return [renderCollect(spec, tag, env)];
    case "raw":
      return [renderRaw(spec.path, spec.contentType, Uint8Array.from(spec.bytes), tag, env)];
    case "config":
      return renderConfig(spec, tag, env);
    case "query":
      return [{ api: "private", method: spec.method, path: spec.path, headers: {} }];
  }
}

function renderTrack(spec: TrackCase, tag: string, env: FuzzEnv): Step {
  const ids = tagIds(tag);
  const payload: { [key: string]: FuzzValue } = {};
  payload.source =
    spec.source === "rest"
      ? { id: env.restSource }
      : spec.source === "webhook"
        ? { id: env.webhookSource }
        : (spec.source as FuzzValue);
  payload.session = spec.session === "tag" ? { id: ids.session } : (spec.session as FuzzValue);
  if (spec.profile !== undefined) payload.profile = spec.profile;
  const eventIds: (string | null)[] = [];
  if ("list" in spec.events) {
    payload.events = spec.events.list.map((event, i) => {
      const id = event.id === "tag" ? ids.event(i) : event.id;
      eventIds.push(typeof id === "string" ? cleanId(id) : null);
      return { ...withOwnKeys(event.fields), id, type: event.type };
    });
  } else {
    payload.events = spec.events.wrong;
  }
  for (const [field, value] of Object.entries(spec.fields)) defineOwn(payload, field, value);
  const options = payload.options;
  const saveEvents = !(isObject(options) && (options as Record<string, unknown>).saveEvents === false);
  const trackable = "list" in spec.events;
  return {
    api: "public",
    method: "POST",
    path: `/track${spec.query}`,
    headers: withContentType({ "user-agent": BROWSER_UA }, spec.encoding.contentType),
    body: encode(duplicate(jsonText(payload), spec.encoding.duplicateKey, payload), spec.encoding.prefix),
    expects: trackable && saveEvents ? { eventIds } : trackable ? { eventIds: [] } : "unknown",
  };
}

function renderCollect(spec: CollectCase, tag: string, env: FuzzEnv): Step {
  const source =
    spec.source === "webhook" ? env.webhookSource : spec.source === "rest" ? env.restSource : spec.source;
  const session =
    spec.session === "tag" ? tagIds(tag).session : spec.session === "none" ? null : spec.session;
  const segments = [spec.eventType, source, ...(session === null ? [] : [session])].map((s) =>
    encodeURIComponent(wellFormed(s)),
  );
  const path = `/collect/${segments.join("/")}${spec.query ? `?${spec.query}` : ""}`;
  const step: Step = {
    api: "public",
    method: spec.method,
    path,
    headers: { "user-agent": BROWSER_UA },
    expects: { eventIds: [null] },
  };
  if (spec.method === "POST" && spec.body !== null) {
    step.headers["content-type"] = spec.body.contentType;
    step.body = new TextEncoder().encode("json" in spec.body ? jsonText(spec.body.json) : spec.body.text);
  }
  return step;
}

function renderRaw(
  path: string,
  contentType: string | null,
  bytes: Uint8Array,
  tag: string,
  env: FuzzEnv,
): Step {
  const target =
    path === "/track"
      ? "/track"
      : path === "/collect"
        ? `/collect/raw/${env.webhookSource}`
        : `/collect/raw/${env.webhookSource}/${tagIds(tag).session}`;
  return {
    api: "public",
    method: "POST",
    path: target,
    headers: withContentType({ "user-agent": BROWSER_UA }, contentType),
    body: bytes,
    expects: path === "/track" ? rawTrackExpectation(bytes) : { eventIds: [null] },
  };
}

/** What a raw /track body holds, if it parses (after a BOM) to a payload with events. */
function rawTrackExpectation(bytes: Uint8Array): Expectation | "unknown" {
  try {
    const text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
    const parsed: unknown = JSON.parse(text);
    if (!isObject(parsed) || !Array.isArray(parsed.events)) return "unknown";
    if (isObject(parsed.options) && parsed.options.saveEvents === false) return { eventIds: [] };
    return {
      eventIds: parsed.events.map((e: unknown) =>
        isObject(e) && typeof e.id === "string" ? cleanId(e.id) : null,
      ),
    };
  } catch {
    return "unknown";
  }
}

const COLLECTION: Record<ConfigTarget, string> = {
  "event-sources": "/api/v1/event-sources",
  "event-to-profile-mappings": "/api/v1/event-to-profile-mappings",
  "event-type-schemas": "/api/v1/event-type-schemas",
  flows: "/api/v1/flows",
  "flows/import": "/api/v1/flows",
  resources: "/api/v1/resources",
  destinations: "/api/v1/destinations",
  rules: "/api/v1/rules",
};

function renderConfig(spec: ConfigCase, tag: string, env: FuzzEnv): Step[] {
  const ids = tagIds(tag);
  const fill = (value: FuzzValue): FuzzValue =>
    substitute(value, {
      "{tag}": `src-${tag}`,
      "{type}": ids.type,
      "{rest}": env.restSource,
      "{sink}": env.sinkUrl,
    });
  const post = (path: string, body: FuzzValue, extra: Partial<Step> = {}): Step => ({
    api: "private",
    method: "POST",
    path,
    headers: { "content-type": "application/json" },
    body: new TextEncoder().encode(jsonText(body)),
    ...extra,
  });
  const steps: Step[] = [];
  const benignFlow: FuzzValue = {
    name: "fuzz benign flow",
    nodes: [
      { id: "start", type: "start", config: {} },
      { id: "inc", type: "increment", config: { path: "profile@stats.counters.fuzz", by: 1 } },
    ],
    edges: [{ source: "start", sourcePort: "payload", target: "inc", targetPort: "payload" }],
  };
  const rule = {
    name: "fuzz rule",
    source: { id: env.restSource },
    event_type: { id: ids.type },
    flow: { id: "{flow}" },
    enabled: true,
  };
  const target = spec.target;
  if (target === "rules")
    steps.push(post(COLLECTION.flows, benignFlow, { binds: "flow", creates: COLLECTION.flows }));
  if (target === "destinations") {
    const resource = { name: "fuzz sink", credentials: { url: `${env.sinkUrl}/ok` } };
    steps.push(post(COLLECTION.resources, resource, { binds: "resource", creates: COLLECTION.resources }));
  }
  const main = post(
    target === "flows/import" ? "/api/v1/flows/import" : COLLECTION[target],
    fill(spec.body),
    {
      creates: COLLECTION[target],
      binds: target === "flows" || target === "flows/import" ? "flow" : "config",
    },
  );
  if (target === "rules") main.needs = ["flow"];
  if (target === "destinations") main.needs = ["resource"];
  steps.push(main);
  if (target === "flows" || target === "flows/import")
    steps.push(post(COLLECTION.rules, rule, { needs: ["flow"], creates: COLLECTION.rules }));
  const event = {
    source: { id: target === "event-sources" ? "{config}" : env.restSource },
    session: { id: ids.session },
    events: [{ id: ids.event(0), type: ids.type, properties: spec.eventProperties }],
  };
  steps.push({
    api: "public",
    method: "POST",
    path: "/track",
    headers: { "content-type": "application/json", "user-agent": BROWSER_UA },
    body: new TextEncoder().encode(jsonText(event)),
    expects: { eventIds: [ids.event(0)] },
    ...(target === "event-sources" ? { needs: ["config"] } : {}),
  });
  return steps;
}

/** Replaces placeholders inside every string of a value (markers stay as they are). */
function substitute(value: FuzzValue, table: Record<string, string>): FuzzValue {
  if (typeof value === "string") {
    let out = value;
    for (const [from, to] of Object.entries(table)) out = out.replaceAll(from, to);
    return out;
  }
  if (value === null || typeof value !== "object" || isMarker(value)) return value;
  if (Array.isArray(value)) return value.map((v) => substitute(v, table));
  const out: { [key: string]: FuzzValue } = {};
  for (const [k, v] of Object.entries(value)) defineOwn(out, k, substitute(v, table));
  return out;
}

/** Sets a key as an own property, `__proto__` included (as JSON.parse would). */
function defineOwn(target: { [key: string]: FuzzValue }, key: string, value: FuzzValue): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function withOwnKeys(fields: { [key: string]: FuzzValue }): { [key: string]: FuzzValue } {
  const out: { [key: string]: FuzzValue } = {};
  for (const [k, v] of Object.entries(fields)) defineOwn(out, k, v);
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function withContentType(
  headers: Record<string, string>,
  contentType: string | null,
): Record<string, string> {
  return contentType === null ? headers : { ...headers, "content-type": contentType };
}

const DUPLICATES: Record<Exclude<Encoding["duplicateKey"], "">, string> = {
  source: '{"id":"@fuzz-unknown"}',
  session: '{"id":"fuzz-duplicate"}',
  context: '{"duplicate":true}',
  options: '{"saveEvents":false}',
  __proto__: '{"saveEvents":false}',
};

/** Puts `"key": <other value>` before the payload's own key (a parser that keeps the first sees it). */
function duplicate(
  text: string,
  key: Encoding["duplicateKey"],
  payload: { [key: string]: FuzzValue },
): string {
  if (key === "" || (key !== "__proto__" && !Object.hasOwn(payload, key))) return text;
  return `{${JSON.stringify(key)}:${DUPLICATES[key]},${text.slice(1)}`;
}

function encode(text: string, prefix: Encoding["prefix"]): Uint8Array {
  const utf8 = (s: string) => new TextEncoder().encode(s);
  switch (prefix) {
    case "":
      return utf8(text);
    case "bom":
      return utf8(`\ufeff${text}`);
    case "whitespace":
      return utf8(`\r\n\t ${text}\n`);
    case "nbsp":
      return utf8(`\u00a0${text}`);
    case "nul":
      return utf8(`\u0000${text}`);
    case "utf16le-bom":
    case "utf16be-bom": {
      const le = Buffer.from(`\ufeff${text}`, "utf16le");
      if (prefix === "utf16be-bom") le.swap16();
      return new Uint8Array(le);
    }
  }
}
