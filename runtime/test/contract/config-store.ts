import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { JsonObject } from "../../domain/types.js";
import type { ConfigCollection, ConfigStore } from "../../ports/store.js";

export interface OpenedConfigStore {
  store: ConfigStore;
  close(): Promise<void>;
}

type Kind = keyof ConfigStore;
type DocOf<K extends Kind> = ConfigStore[K] extends ConfigCollection<infer T> ? T : never;
/** Any collection seen through what every one of them stores: documents with an id. */
type AnyCollection = ConfigCollection<{ id: string }>;

/** A realistic document of each kind; `n` varies its content. */
const FIXTURES: { [K in Kind]: (id: string, n: number) => DocOf<K> } = {
  sources: (id, n) => ({
    id,
    name: `Source ${n}`,
    description: "web site",
    type: ["rest"],
    channel: "web",
    enabled: true,
    transitional: false,
    tags: ["a", "b"],
    config: { n },
    timestamp: "2026-01-02T03:04:05.000Z",
  }),
  mappings: (id, n) => ({
    id,
    name: `Mapping ${n}`,
    description: "",
    event_type: "purchase",
    source_id: null,
    enabled: n % 2 === 0,
    config: { merge_on_change: true },
    event_to_profile: [
      { event: { value: "properties.email" }, op: "equals", profile: { value: "data.contact.email.main" } },
    ],
  }),
  schemas: (id, n) => ({
    id,
    event_type: "purchase",
    name: `Schema ${n}`,
    enabled: true,
    schema: { type: "object", required: ["value"], properties: { value: { type: "number", minimum: n } } },
  }),
  resources: (id, n) => ({
    id,
    name: `Resource ${n}`,
    type: "webhook",
    enabled: true,
    credentials: { url: `https://example.com/hook/${n}`, username: "u", password: "p" },
  }),
  destinations: (id, n) => ({
    id,
    name: `Destination ${n}`,
    enabled: true,
    resource: { id: "resource-1" },
    on_profile_change_only: false,
    source: { id: "web" },
    event_type: null,
    condition: 'event@type == "purchase"',
    mapping: { email: "profile@data.contact.email.main", n },
    destination: {
      type: "webhook",
      init: { method: "POST", headers: { "x-n": String(n) }, timeout_ms: 1000, max_attempts: 3 },
    },
  }),
  flows: (id, n) => ({
    id,
    name: `Flow ${n}`,
    nodes: [
      { id: "start", type: "start" },
      { id: "end", type: "end", config: { n } },
    ],
    edges: [{ source: "start", sourcePort: "payload", target: "end", targetPort: "payload" }],
  }),
  rules: (id, n) => ({
    id,
    name: `Rule ${n}`,
    source: { id: "web" },
    event_type: { id: "purchase" },
    flow: { id: "flow-1", name: "Flow" },
    enabled: true,
  }),
  workerStatus: (id, n) => ({
    id,
    lastRunAt: "2026-01-02T03:04:05.000Z",
    intervalSeconds: n,
    lastRunCount: n,
    lastError: null,
    by: "wk-apm-1",
  }),
};

const KINDS = Object.keys(FIXTURES) as Kind[];

/** Everything JSON can hold, in the corners where storage layers tend to change things. */
const RICH: JsonObject = {
  nested: { deeper: { deepest: [1, [2, [3, { four: 4 }]]] }, empty: {}, none: [] },
  unicode: "Zürich — 東京 — مرحبا — 👩‍💻 — e\u0301 — \u0000 nul — lone \ud800 surrogate",
  "key with spaces.and.dots": "value",
  "ключ 🔑": "unicode key",
  "": "empty key",
  escapes: 'quote " backslash \\ newline \n tab \t',
  numbers: [0, -1, 42, 3.141592653589793, 0.1, 1e21, -2.5e-7, Number.MAX_SAFE_INTEGER, Number.MIN_VALUE],
  booleans: [true, false],
  nothing: null,
  long: "x".repeat(100_000),
};

function collection(store: ConfigStore, kind: Kind): AnyCollection {
  return store[kind];
}

function doc(kind: Kind, id: string, n = 1): { id: string } {
  return FIXTURES[kind](id, n);
}

/**
 * What every ConfigStore must do, run against one implementation. `open` must open the same storage
 * each time it is called (the suite closes a store and reopens it); the suite empties it first.
 */
export function describeConfigStoreContract(name: string, open: () => Promise<OpenedConfigStore>): void {
  describe(`ConfigStore contract: ${name}`, () => {
    let opened: OpenedConfigStore;
    const store = (): ConfigStore => opened.store;

    beforeAll(async () => {
      opened = await open();
    });
    afterAll(async () => opened?.close());

    beforeEach(async () => {
      for (const kind of KINDS) {
        const items = await collection(store(), kind).list();
        await Promise.all(items.map((item) => collection(store(), kind).delete(item.id)));
      }
    });

    describe.each(KINDS)("%s", (kind) => {
      const c = (): AnyCollection => collection(store(), kind);

      it("answers null, false and [] for what is not there", async () => {
        expect(await c().get("missing")).toBeNull();
        expect(await c().delete("missing")).toBe(false);
        expect(await c().list()).toEqual([]);
      });

      it("returns a put document from put, get and list", async () => {
        const d = doc(kind, "one");
        expect(await c().put(d)).toEqual(d);
        expect(await c().get("one")).toEqual(d);
        expect(await c().list()).toEqual([d]);
      });

      it("lists by id, byte order", async () => {
        for (const id of ["b", "a b", "c", "B", "a"]) await c().put(doc(kind, id));
        expect((await c().list()).map((d) => d.id)).toEqual(["B", "a", "a b", "b", "c"]);
      });

      it("overwrites a document put again under its id", async () => {
        await c().put(doc(kind, "same", 1));
        await c().put(doc(kind, "same", 2));
        expect(await c().get("same")).toEqual(doc(kind, "same", 2));
        expect(await c().list()).toEqual([doc(kind, "same", 2)]);
      });

      it("deletes one document: true once, then false", async () => {
        await c().put(doc(kind, "keep"));
        await c().put(doc(kind, "drop"));
        expect(await c().delete("drop")).toBe(true);
        expect(await c().delete("drop")).toBe(false);
        expect(await c().get("drop")).toBeNull();
        expect(await c().list()).toEqual([doc(kind, "keep")]);
      });

      it("gives documents back unchanged, key order included", async () => {
        const d = { ...doc(kind, "rich"), rich: RICH };
        await c().put(d);
        const back = await c().get("rich");
        expect(back).toEqual(d);
        expect(JSON.stringify(back)).toBe(JSON.stringify(d));
        expect(JSON.stringify(await c().list())).toBe(JSON.stringify([d]));
      });

      it("tells ids apart exactly: case, trailing space, accents, long unicode", async () => {
        const ids = ["a", "A", "a ", "ä", "a\u0308", "😀".repeat(200)];
        for (const [n, id] of ids.entries()) await c().put(doc(kind, id, n));
        for (const [n, id] of ids.entries()) expect(await c().get(id)).toEqual(doc(kind, id, n));
        expect(await c().list()).toHaveLength(ids.length);
      });

      it("keeps every one of many concurrent puts, and one version of a contended id", async () => {
        const distinct = Array.from({ length: 40 }, (_, n) =>
          doc(kind, `id-${String(n).padStart(2, "0")}`, n),
        );
        const versions = Array.from({ length: 20 }, (_, n) => doc(kind, "contended", n));
        await Promise.all([...distinct, ...versions].map((d) => c().put(d)));
        const listed = await c().list();
        expect(listed.map((d) => d.id)).toEqual([...distinct.map((d) => d.id), "contended"].sort());
        expect(versions).toContainEqual(await c().get("contended"));
      });
    });

    it("keeps kinds apart: one id in every kind is one document per kind", async () => {
      for (const [n, kind] of KINDS.entries()) await collection(store(), kind).put(doc(kind, "shared", n));
      expect(await collection(store(), "flows").delete("shared")).toBe(true);
      for (const [n, kind] of KINDS.entries()) {
        const expected = kind === "flows" ? null : doc(kind, "shared", n);
        expect(await collection(store(), kind).get("shared")).toEqual(expected);
        expect(await collection(store(), kind).list()).toEqual(expected ? [expected] : []);
      }
    });

    it("keeps what was written after being closed and reopened", async () => {
      for (const kind of KINDS) await collection(store(), kind).put(doc(kind, "durable"));
      await opened.close();
      opened = await open();
      for (const kind of KINDS) {
        expect(await collection(store(), kind).list()).toEqual([doc(kind, "durable")]);
      }
    });
  });
}
