import fc from "fast-check";
import { NODE_TYPES as ALL_NODE_TYPES } from "../../stages/workflow/model.js";
import {
  type FuzzValue,
  hostileObject,
  hostileValue,
  key,
  marker,
  nastyString,
  wellFormed,
  wrongType,
} from "./values.js";

/**
 * What the fuzzer sends, as plain data: a case prints as its counterexample and is turned into HTTP
 * requests by render.ts. `"tag"` stands for an id unique to the case (so what it stored can be found).
 */
export type CaseSpec = TrackCase | CollectCase | RawCase | ConfigCase | QueryCase;

/** How a JSON text goes on the wire. */
export interface Encoding {
  prefix: "" | "bom" | "utf16le-bom" | "utf16be-bom" | "whitespace" | "nbsp" | "nul";
  contentType: string | null;
  /** Adds a duplicate of a top-level key before the real one (the parser keeps the last). */
  duplicateKey: "" | "source" | "session" | "context" | "options" | "__proto__";
}

export interface EventSpec {
  id: "tag" | FuzzValue;
  type: FuzzValue;
  fields: { [field: string]: FuzzValue };
}

export interface TrackCase {
  kind: "track";
  source: "rest" | "webhook" | FuzzValue;
  session: "tag" | FuzzValue;
  profile: FuzzValue | undefined;
  events: { list: EventSpec[] } | { wrong: FuzzValue };
  /** Other top-level fields: context, properties, options, request, profile_less, debug, junk. */
  fields: { [field: string]: FuzzValue };
  encoding: Encoding;
  query: string;
}

export interface CollectCase {
  kind: "collect";
  method: "GET" | "POST";
  eventType: string;
  source: "webhook" | "rest" | string;
  session: "tag" | "none" | string;
  query: string;
  body: { contentType: string; text: string } | { contentType: string; json: FuzzValue } | null;
}

export interface RawCase {
  kind: "raw";
  path: "/track" | "/collect" | "/collect-session";
  contentType: string | null;
  bytes: number[];
}

export type ConfigTarget =
  | "event-sources"
  | "event-to-profile-mappings"
  | "event-type-schemas"
  | "flows"
  | "flows/import"
  | "resources"
  | "destinations"
  | "rules";

/**
 * Private API: saves a (possibly hostile) configuration, then sends a tagged event of the case's own
 * type through it, so an accepted configuration is also exercised.
 */
export interface ConfigCase {
  kind: "config";
  target: ConfigTarget;
  body: FuzzValue;
  /** Properties of the event sent afterwards (what paths and templates of the configuration read). */
  eventProperties: { [key: string]: FuzzValue };
}

export interface QueryCase {
  kind: "query";
  method: "GET" | "DELETE" | "POST" | "PUT";
  path: string;
}

// ---- hostile paths, templates and conditions (the private API) -----------------------------------

const segment = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom("a", "b", "x", "counter", "email", "main", "category") },
  {
    weight: 3,
    arbitrary: fc.constantFrom("__proto__", "constructor", "prototype", "toString", "saveEvents"),
  },
  { weight: 1, arbitrary: fc.constantFrom("", " ", "0", "-1", "a b", "é", "\u0000", "$", "[0]", "*") },
);
const dotted = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => s.join("."));

/** A mapping/profile path (`traits.x`), hostile segments included. */
export const profilePath = fc.oneof(
  fc
    .tuple(fc.constantFrom("traits", "data", "stats.counters", "aux", "interests", "__proto__"), dotted)
    .map(([root, rest]) => `${root}.${rest}`),
  fc.constantFrom(
    "traits.__proto__.saveEvents",
    "traits.constructor.prototype.polluted",
    "__proto__.polluted",
    "traits.__proto__",
    "data.contact.email.main",
  ),
);

/** A TQL path (`profile@traits.x`). */
export const tqlPath = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .tuple(fc.constantFrom("profile@", "event@", "session@", "payload@", "memory@", "@"), profilePath)
      .map(([r, p]) => `${r}${p}`),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "profile@traits.__proto__.saveEvents",
      "event@properties",
      "profile@",
      "event@..",
      "x",
    ),
  },
);

/** A template that interpolates paths (`"order {{event@properties.id}}"`). */
export const template = fc
  .array(
    fc.oneof(
      nastyString,
      tqlPath.map((p) => `{{${p}}}`),
      fc.constantFrom("{{", "}}", "{{}}", "{{ event@id }}"),
    ),
    {
      minLength: 1,
      maxLength: 4,
    },
  )
  .map((parts) => parts.join(""));

export const condition = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        tqlPath,
        fc.constantFrom("==", ">", "<", "!=", "CONTAINS", "BETWEEN"),
        fc.oneof(
          fc.integer().map(String),
          nastyString.map((s) => JSON.stringify(s)),
        ),
      )
      .map(([p, op, v]) => `${p} ${op} ${v}`),
  },
  {
    weight: 1,
    arbitrary: fc
      .array(fc.constantFrom("(", ")", "AND", "OR", "NOT", "exists", "event@type", '"x"', "1", "==", "@"), {
        maxLength: 12,
      })
      .map((t) => t.join(" ")),
  },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 100, max: 5000 })
      .map((n) => `${"(".repeat(n)}event@type == "x"${")".repeat(n)}`),
  },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 10, max: 3000 })
      .map((n) => Array.from({ length: n }, () => 'event@type == "x"').join(" AND ")),
  },
);

/** A URL on the test's own loopback receiver (`{sink}` is replaced); what follows the port is hostile. */
const sinkUrl = fc
  .tuple(
    fc.constantFrom("/ok", "/fail", "/slow", "/hang", "/redirect", "/status/404", "/status/429"),
    fc.oneof(
      fc.constant(""),
      template.map((t) => `/${t}`),
      fc.constantFrom("?a={{event@properties.a}}", "/..%2f..", "/#{{event@id}}"),
    ),
  )
  .map(([path, rest]) => `{sink}${path}${rest}`);

const nodeConfig = (type: string): fc.Arbitrary<FuzzValue> => {
  switch (type) {
    case "if":
      return fc.record({ condition });
    case "copy-data":
      return fc.oneof(
        fc.record({ from: tqlPath, to: tqlPath }),
        fc.record({ value: hostileValue, to: tqlPath }),
      );
    case "append-data":
    case "remove-data":
      return fc.record({ path: tqlPath, value: hostileValue });
    case "delete-fields":
      return fc.record({ paths: fc.array(tqlPath, { minLength: 1, maxLength: 3 }) });
    case "increment":
    case "decrement":
      return fc.record({ path: tqlPath, by: fc.oneof(fc.integer(), fc.constantFrom(1e308, -1e308, 0.1)) });
    case "add-segment":
    case "delete-segment":
      return fc.record({ segment: fc.oneof(nastyString, template) });
    case "add-interest":
    case "increase-interest":
      return fc.record({ interest: nastyString });
    case "add-tag":
      return fc.record({ tag: fc.oneof(nastyString, template) });
    case "merge-profiles":
      return fc.record({ keys: fc.array(tqlPath, { minLength: 1, maxLength: 3 }) });
    case "remote-call":
      return fc.record({
        url: sinkUrl,
        method: fc.constantFrom("GET", "POST", "PUT"),
        headers: fc.dictionary(
          fc.constantFrom("x-a", "authorization", "host", "content-type", "x-\u00e9"),
          template,
          { maxKeys: 2 },
        ),
        body: hostileValue,
        timeout_ms: fc.integer({ min: 1, max: 1500 }),
      });
    case "create-response":
      return fc.oneof(
        fc.record({ key: nastyString, value: hostileValue }),
        fc.record({ key: nastyString, from: tqlPath }),
      );
    case "payload-template":
      return fc.record({ template });
    case "write-memory":
      return fc.oneof(
        fc.record({ key: nastyString, value: hostileValue }),
        fc.record({ key: nastyString, from: tqlPath }),
      );
    case "read-memory":
      return fc.record({ key: nastyString });
    default:
      return fc.constant({});
  }
};

/** Every node type but the flow's own start and end. */
const NODE_TYPES = ALL_NODE_TYPES.filter((type) => type !== "start" && type !== "end");

/** A start node and a chain of hostile nodes (valid shape, so most are saved and run). */
const flowBody: fc.Arbitrary<FuzzValue> = fc
  .array(
    fc.constantFrom(...NODE_TYPES).chain((type) => nodeConfig(type).map((config) => ({ type, config }))),
    {
      minLength: 1,
      maxLength: 4,
    },
  )
  .map((nodes) => {
    const all = [
      { id: "start", type: "start" },
      ...nodes.map((n, i) => ({ id: `n${i}`, type: n.type, config: n.config })),
    ];
    return {
      name: "fuzz flow",
      nodes: all,
      edges: all.slice(1).map((n, i) => ({
        source: all[i]?.id ?? "start",
        sourcePort: all[i]?.type === "if" ? "true" : all[i]?.type === "remote-call" ? "response" : "payload",
        target: n.id,
        targetPort: "payload",
      })),
    } as FuzzValue;
  });

const V1 = "tracardi.process_engine.action.v1";
const importBody: fc.Arbitrary<FuzzValue> = fc
  .array(
    fc.oneof(
      fc.record({
        module: fc.constant(`${V1}.traits.copy_trait_action`),
        init: fc.record({
          traits: fc.record({ set: fc.dictionary(tqlPath, fc.oneof(tqlPath, hostileValue), { maxKeys: 2 }) }),
        }),
      }),
      fc.record({ module: fc.constant(`${V1}.if_action`), init: fc.record({ condition }) }),
      fc.record({
        module: fc.constant(`${V1}.increment_action`),
        init: fc.record({ field: tqlPath, increment: fc.oneof(fc.integer(), wrongType) }),
      }),
      fc.record({
        module: fc.constant(`${V1}.internal.add_response.plugin`),
        init: fc.record({ key: nastyString, body: nastyString }),
      }),
      fc.record({ module: fc.oneof(nastyString, fc.constant(`${V1}.__proto__`)), init: hostileValue }),
    ),
    { minLength: 1, maxLength: 3 },
  )
  .map((specs) => {
    const nodes = [
      {
        id: "start",
        module: `${V1}.flow.start.start_action`,
        init: { event_types: [{ id: "{type}", name: "x" }] },
      },
      ...specs.map((s, i) => ({ id: `n${i}`, ...s })),
    ];
    return {
      name: "imported fuzz flow",
      flowGraph: {
        nodes: nodes.map((n) => ({
          id: n.id,
          type: "flowNode",
          data: {
            name: n.id,
            spec: {
              className: "X",
              module: n.module,
              inputs: ["payload"],
              outputs: ["payload", "true"],
              init: n.init,
            },
          },
        })),
        edges: nodes.slice(1).map((n, i) => ({
          id: `e${i}`,
          source: nodes[i]?.id ?? "start",
          sourceHandle: nodes[i]?.module.endsWith("if_action") ? "true" : "payload",
          target: n.id,
          targetHandle: "payload",
        })),
      },
    } as FuzzValue;
  });

const configBody = (target: ConfigTarget): fc.Arbitrary<FuzzValue> => {
  switch (target) {
    case "event-sources":
      return fc.record(
        {
          id: fc.oneof(nastyString, fc.constant("{tag}")),
          name: nastyString,
          type: fc.oneof(fc.constantFrom("rest", "webhook", ["rest", "webhook"]), wrongType),
          config: fc.oneof(hostileObject, wrongType),
          channel: fc.oneof(nastyString, wrongType),
        },
        { requiredKeys: ["id", "name", "type"] },
      );
    case "event-to-profile-mappings":
      return fc.record({
        event_type: fc.constant("{type}"),
        source_id: fc.oneof(fc.constant(null), fc.constant("{rest}")),
        event_to_profile: fc.array(
          fc.record({
            event: fc.record({
              value: fc.oneof(
                profilePath.map((p) => `properties.${p}`),
                fc.constant("properties.a"),
              ),
            }),
            op: fc.oneof(fc.constantFrom("equals", "equals-if-not-exists", "append"), nastyString),
            profile: fc.record({ value: profilePath }),
          }),
          { minLength: 1, maxLength: 3 },
        ),
      });
    case "event-type-schemas":
      return fc.record({
        event_type: fc.constant("{type}"),
        schema: fc.oneof(
          hostileObject,
          fc.constant({ type: "object", properties: { a: { type: "string", pattern: "(a+)+$" } } }),
          fc.constant({ $ref: "#" }),
          fc.constant({ type: "object", properties: { __proto__: { type: "string" } } }),
        ),
      });
    case "flows":
      return flowBody;
    case "flows/import":
      return importBody;
    case "resources":
      return fc.record({
        name: nastyString,
        credentials: fc.record(
          {
            url: sinkUrl,
            username: fc.option(nastyString, { nil: undefined }),
            password: fc.option(nastyString, { nil: undefined }),
          },
          { requiredKeys: ["url"] },
        ),
      });
    case "destinations":
      return fc.record({
        name: fc.constant("fuzz destination"),
        resource: fc.constant({ id: "{resource}" }),
        on_profile_change_only: fc.boolean(),
        event_type: fc.constant({ id: "{type}" }),
        condition: fc.oneof(fc.constant(null), condition),
        mapping: fc.oneof(
          hostileValue,
          template,
          fc.dictionary(key, fc.oneof(template, tqlPath), { maxKeys: 3 }),
        ),
        destination: fc.record({
          init: fc.record({
            method: fc.constantFrom("POST", "GET", "PUT"),
            headers: fc.dictionary(fc.constantFrom("x-a", "host", "content-length"), nastyString, {
              maxKeys: 2,
            }),
            timeout_ms: fc.integer({ min: 1, max: 1500 }),
            max_attempts: fc.integer({ min: 1, max: 3 }),
          }),
        }),
      });
    case "rules":
      return fc.record({
        name: nastyString,
        source: fc.constant({ id: "{rest}" }),
        event_type: fc.constant({ id: "{type}" }),
        flow: fc.constant({ id: "{flow}" }),
        enabled: fc.oneof(fc.constant(true), wrongType),
      });
  }
};

// ---- the public API -----------------------------------------------------------------------------

const encoding: fc.Arbitrary<Encoding> = fc.record({
  prefix: fc.oneof(
    { weight: 6, arbitrary: fc.constant("" as const) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        "bom",
        "utf16le-bom",
        "utf16be-bom",
        "whitespace",
        "nbsp",
        "nul",
      ) as fc.Arbitrary<Encoding["prefix"]>,
    },
  ),
  contentType: fc.oneof(
    { weight: 6, arbitrary: fc.constant("application/json") },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        null,
        "application/json; charset=utf-16",
        "application/json; charset=latin1",
        "APPLICATION/JSON",
        "text/plain",
        "text/plain;charset=UTF-8",
        "application/x-www-form-urlencoded",
        "application/vnd.api+json",
        "multipart/form-data; boundary=x",
        "application/json, text/plain",
      ),
    },
  ),
  duplicateKey: fc.oneof(
    { weight: 8, arbitrary: fc.constant("" as const) },
    {
      weight: 1,
      arbitrary: fc.constantFrom("source", "session", "context", "options", "__proto__") as fc.Arbitrary<
        Encoding["duplicateKey"]
      >,
    },
  ),
});

const eventType = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.constantFrom(
      "page-view",
      "Page View",
      "purchase",
      "checkout-completed",
      "identification",
      "profile-update",
      "visit-ended",
      "sign-in",
      "consent-update",
      "search",
    ),
  },
  { weight: 2, arbitrary: nastyString },
  { weight: 1, arbitrary: wrongType },
);

const EVENT_FIELDS = [
  "properties",
  "properties",
  "properties",
  "context",
  "context",
  "options",
  "tags",
  "time",
  "__proto__",
  "constructor",
  "traits",
  "metadata",
  "session",
  "profile",
];

const eventSpec: fc.Arbitrary<EventSpec> = fc.record({
  id: fc.oneof(
    { weight: 8, arbitrary: fc.constant("tag" as const) },
    { weight: 1, arbitrary: wrongType },
    { weight: 1, arbitrary: nastyString },
  ),
  type: eventType,
  fields: fc.dictionary(
    fc.constantFrom(...EVENT_FIELDS),
    fc.oneof(
      { weight: 8, arbitrary: hostileObject },
      { weight: 1, arbitrary: wrongType },
      { weight: 1, arbitrary: marker },
      {
        weight: 1,
        arbitrary: fc.record(
          {
            insert: fc.oneof(
              fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
              nastyString,
            ),
            create: nastyString,
          },
          { requiredKeys: [] },
        ),
      },
    ),
    { maxKeys: 2, noNullPrototype: true },
  ),
});

/** Valid-but-odd tracker payload values (tracardi.md §1.2), and wrong types for each field. */
const PAYLOAD_FIELDS = [
  "context",
  "properties",
  "options",
  "request",
  "profile_less",
  "debug",
  "__proto__",
  "constructor",
  "metadata",
  "events_extra",
];
const payloadField = fc.oneof(
  { weight: 6, arbitrary: hostileObject },
  { weight: 1, arbitrary: wrongType },
  {
    weight: 2,
    arbitrary: fc.record(
      {
        saveEvents: fc.oneof(fc.boolean(), wrongType),
        saveSession: fc.oneof(fc.boolean(), wrongType),
        saveProfile: fc.oneof(fc.boolean(), wrongType),
      },
      { requiredKeys: [] },
    ) as fc.Arbitrary<FuzzValue>,
  },
);

const trackCase: fc.Arbitrary<TrackCase> = fc.record({
  kind: fc.constant("track" as const),
  source: fc.oneof(
    { weight: 8, arbitrary: fc.constant("rest" as const) },
    { weight: 1, arbitrary: fc.constant("webhook" as const) },
    { weight: 1, arbitrary: wrongType },
  ),
  session: fc.oneof(
    { weight: 6, arbitrary: fc.constant("tag" as const) },
    { weight: 1, arbitrary: wrongType },
    { weight: 1, arbitrary: fc.record({ id: nastyString, metadata: hostileValue }) },
  ),
  profile: fc.oneof(
    fc.constant(undefined),
    fc.record({ id: nastyString }),
    wrongType,
    fc.record({
      id: nastyString,
      ids: fc.oneof(fc.array(nastyString, { maxLength: 3 }), wrongType),
      primary_id: wrongType,
    }),
  ),
  events: fc.oneof(
    { weight: 8, arbitrary: fc.record({ list: fc.array(eventSpec, { minLength: 1, maxLength: 4 }) }) },
    { weight: 1, arbitrary: fc.record({ list: fc.constant<EventSpec[]>([]) }) },
    { weight: 1, arbitrary: fc.record({ wrong: wrongType }) },
  ),
  fields: fc.dictionary(fc.constantFrom(...PAYLOAD_FIELDS), payloadField, {
    maxKeys: 2,
    noNullPrototype: true,
  }),
  encoding,
  query: fc.oneof(
    { weight: 6, arbitrary: fc.constant("") },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        "?profile_less=true",
        "?profile_less=1",
        "?__proto__[x]=1",
        "?profile_less=true&profile_less=false",
      ),
    },
  ),
});

const formOrQuery = fc
  .dictionary(key, fc.oneof(nastyString, fc.integer().map(String)), { maxKeys: 4, noNullPrototype: true })
  .map((o) => {
    // Lone surrogates cannot be percent-encoded: send them as the replacement a browser would.
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(o)) params.append(wellFormed(k), wellFormed(v));
    return params.toString();
  });

const collectCase: fc.Arbitrary<CollectCase> = fc.record({
  kind: fc.constant("collect" as const),
  method: fc.constantFrom("GET" as const, "POST" as const),
  eventType: fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom("page-view", "order", "Webhook Event") },
    { weight: 2, arbitrary: nastyString },
  ),
  source: fc.oneof(
    { weight: 8, arbitrary: fc.constant("webhook" as const) },
    { weight: 1, arbitrary: fc.constant("rest" as const) },
    { weight: 1, arbitrary: nastyString },
  ),
  session: fc.oneof(
    { weight: 4, arbitrary: fc.constant("tag" as const) },
    { weight: 3, arbitrary: fc.constant("none" as const) },
    { weight: 1, arbitrary: nastyString },
  ),
  query: fc.oneof(
    fc.constant(""),
    formOrQuery,
    fc.constantFrom(
      "a[b][c]=1",
      "__proto__[polluted]=1",
      "constructor[prototype][x]=1",
      "a=1&a=2",
      "%ZZ=1",
      "a=%00",
    ),
  ),
  body: fc.oneof(
    fc.constant(null),
    fc.record({ contentType: fc.constant("application/json"), json: hostileValue }),
    fc.record({ contentType: fc.constant("application/x-www-form-urlencoded"), text: formOrQuery }),
    fc.record({
      contentType: fc.constantFrom("text/plain", "application/octet-stream", "text/csv"),
      text: fc.oneof(
        nastyString,
        hostileValue.map((v) => JSON.stringify(v) ?? ""),
      ),
    }),
  ),
});

const rawCase: fc.Arbitrary<RawCase> = fc.record({
  kind: fc.constant("raw" as const),
  path: fc.constantFrom("/track" as const, "/collect" as const, "/collect-session" as const),
  contentType: fc.constantFrom(
    null,
    "application/json",
    "text/plain",
    "application/x-www-form-urlencoded",
    "application/octet-stream",
  ),
  bytes: fc.oneof(
    fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 64 }),
    fc.array(
      fc.constantFrom(
        0x7b,
        0x7d,
        0x5b,
        0x5d,
        0x22,
        0x3a,
        0x2c,
        0x5c,
        0xef,
        0xbb,
        0xbf,
        0xc0,
        0x80,
        0xed,
        0xa0,
        0x00,
        0x61,
      ),
      { maxLength: 64 },
    ),
  ),
});

const CONFIG_TARGETS: ConfigTarget[] = [
  "event-sources",
  "event-to-profile-mappings",
  "event-type-schemas",
  "flows",
  "flows/import",
  "resources",
  "destinations",
  "rules",
];

const configCase: fc.Arbitrary<ConfigCase> = fc.constantFrom(...CONFIG_TARGETS).chain((target) =>
  fc.record({
    kind: fc.constant("config" as const),
    target: fc.constant(target),
    body: fc.oneof(
      { weight: 8, arbitrary: configBody(target) },
      { weight: 1, arbitrary: wrongType },
      { weight: 1, arbitrary: hostileObject },
    ),
    eventProperties: fc.dictionary(key, hostileValue, { maxKeys: 4, noNullPrototype: true }),
  }),
);

const segmentText = fc.oneof(
  nastyString.map((s) => encodeURIComponent(wellFormed(s))),
  fc.constantFrom("%ZZ", "..", "%2e%2e", "__proto__", "%00", "a%2Fb"),
);
const queryCase: fc.Arbitrary<QueryCase> = fc.record({
  kind: fc.constant("query" as const),
  method: fc.constantFrom("GET" as const, "GET" as const, "DELETE" as const, "PUT" as const, "POST" as const),
  path: fc.oneof(
    fc
      .tuple(
        fc.constantFrom(
          "events",
          "profiles",
          "sessions",
          "event-sources",
          "flows",
          "rules",
          "destinations",
          "resources",
          "event-to-profile-mappings",
          "dead-letters",
        ),
        segmentText,
      )
      .map(([r, s]) => `/api/v1/${r}/${s}`),
    fc
      .tuple(
        fc.constantFrom("events", "profiles", "sessions", "dead-letters"),
        fc.dictionary(
          fc.constantFrom("limit", "offset", "profile", "session", "type", "field", "value", "topic"),
          segmentText,
          { maxKeys: 3 },
        ),
      )
      .map(
        ([r, q]) =>
          `/api/v1/${r}?${Object.entries(q)
            .map(([k, v]) => `${k}=${v}`)
            .join("&")}`,
      ),
    fc.constantFrom(
      "/api/v1/status",
      "/api/v1/dead-letters/__proto__/replay",
      "/api/v1/profiles?field=__proto__&value=x",
      "/api/v1/profiles?field=data..x&value=1",
      "/api/v1/events?limit=1e9",
      "/api/v1/events?limit=-1&offset=-5",
    ),
  ),
});

/** Every kind of case, weighted towards the public API. */
export const anyCase: fc.Arbitrary<CaseSpec> = fc.oneof(
  { weight: 10, arbitrary: trackCase },
  { weight: 4, arbitrary: collectCase },
  { weight: 2, arbitrary: rawCase },
  { weight: 4, arbitrary: configCase },
  { weight: 1, arbitrary: queryCase },
);
