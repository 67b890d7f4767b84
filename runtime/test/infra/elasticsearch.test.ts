import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  deleteIndices,
  type OpenedSearchStore,
  openElasticsearchDataStore,
} from "../../adapters/search/index.js";
import { describeDataStoreContract, event } from "../contract/data-store.js";
import { ensureServer, type ServerInfo, type ServerName } from "./servers.js";

interface ElasticsearchInfo extends ServerInfo {
  url: string;
}

// The same store on each major Tracardi installations run: 7.17, 8.x and 9.x (embedded nodes, infra/).
describe.each([
  { name: "elasticsearch7", major: 7 },
  { name: "elasticsearch8", major: 8 },
  { name: "elasticsearch", major: 9 },
] as { name: ServerName; major: number }[])("Elasticsearch $major", ({ name, major }) => {
  /** A prefix of this run's own, so runs (and the two move strategies) never see each other's documents. */
  const RUN = `t${randomBytes(4).toString("hex")}-`;
  const opened: OpenedSearchStore[] = [];
  let server: ElasticsearchInfo;

  beforeAll(async () => {
    server = await ensureServer<ElasticsearchInfo>(name);
  }, 15 * 60_000);

  afterAll(async () => {
    for (const { client, indices } of opened) await deleteIndices(client, indices);
    await Promise.all(opened.map((o) => o.close()));
  });

  async function open(suffix: string) {
    const store = await openElasticsearchDataStore({
      url: server.url,
      indexPrefix: `${RUN}${suffix}`,
      moves: "auto",
    });
    opened.push(store);
    return store;
  }

  describeDataStoreContract(`Elasticsearch ${major}`, async () => {
    const store = await open("a-");
    // The embedded node has neither painless nor reindex (not on Maven Central): "auto" must not pick
    // _update_by_query, which this node answers with "no handler found".
    expect(store.moves).toBe("search_and_bulk");
    return { store: store.store, close: async () => {} };
  });

  describe("the store", () => {
    it("creates Tracardi-named indices under the prefix, idempotently, with the store's mapping", async () => {
      const first = await open("c-");
      const again = await open("c-");
      expect(again.indices).toEqual({
        profile: `${RUN}c-tracardi-profile`,
        session: `${RUN}c-tracardi-session`,
        event: `${RUN}c-tracardi-event`,
      });
      const mapping = await first.client.request({
        method: "GET",
        path: `/${first.indices.profile}/_mapping`,
      });
      expect(mapping.status).toBe(200);
      expect(JSON.stringify(mapping.body)).toContain('"ids":{"type":"keyword"}');
    });

    it(`talks to a real Elasticsearch ${major}`, async () => {
      const { client } = await open("c-");
      const nodes = await client.request({ method: "GET", path: "/_nodes/_local" });
      expect(nodes.status).toBe(200);
      const versions = Object.values((nodes.body as { nodes: Record<string, { version: string }> }).nodes);
      expect(versions.map((n) => n.version)).toEqual([expect.stringMatching(new RegExp(`^${major}\\.`))]);
    });

    it("answers an error status as a response, not a rejection", async () => {
      const { client } = await open("c-");
      const missing = await client.request({ method: "GET", path: `/${RUN}no-such-index/_doc/x` });
      expect(missing.status).toBe(404);
      expect(JSON.stringify(missing.body)).toContain("index_not_found_exception");
      const head = await client.request({ method: "HEAD", path: `/${RUN}no-such-index` });
      expect(head.status).toBe(404);
    });

    it("names the server, never the password, when it cannot be reached", async () => {
      const failure = openElasticsearchDataStore({
        url: "http://elastic:url-Passw0rd@127.0.0.1:1",
        user: "elastic",
        password: "s3cret-Passw0rd",
        indexPrefix: RUN,
      });
      await expect(failure).rejects.toThrow(/no answer from http:\/\/127\.0\.0\.1:1 /);
      await expect(failure).rejects.not.toThrow(/s3cret|url-Passw0rd/);
    });

    it("names a document that clashes with the mapping; the rest of its batch is written", async () => {
      const { store } = await open("e-");
      const typed = event(null, "p", "page-view", "2026-01-01T00:00:00.000Z");
      typed.traits = { score: 7 };
      await store.write({ profiles: [], sessions: [], events: [typed] });
      const clash = { ...typed, id: "clash", traits: { score: { not: "a number" } } };
      const fine = { ...typed, id: "fine" };
      expect(await store.write({ profiles: [], sessions: [], events: [clash, fine] })).toEqual([
        {
          kind: "event",
          id: "clash",
          // 8.x renamed the error; 7.x calls it what OpenSearch still does.
          reason: expect.stringMatching(
            major === 7 ? /^mapper_parsing_exception: / : /^document_parsing_exception: /,
          ),
          permanent: true,
        },
      ]);
      expect(await store.getEvent("clash")).toBeNull();
      expect(await store.getEvent("fine")).toEqual(fine);
    });

    it("pages past the 10,000-hit window like the embedded store", async () => {
      const { store } = await open("d-");
      const profileId = "deep";
      const events = Array.from({ length: 10_050 }, (_, n) => ({
        ...event(null, profileId, "page-view", new Date(Date.UTC(2026, 0, 1, 0, 0, 0, n)).toISOString()),
        id: `e${String(n).padStart(5, "0")}`,
      }));
      await store.write({ profiles: [], sessions: [], events });
      const page = await store.events({ profileId, limit: 3, offset: 10_010 });
      expect(page.total).toBe(10_050);
      // Newest first: offset 10,010 is the 40th-oldest event.
      expect(page.items.map((e) => e.id)).toEqual(["e00039", "e00038", "e00037"]);
      expect(await store.events({ profileId, limit: 5, offset: 20_000 })).toEqual({
        total: 10_050,
        items: [],
      });
    });
  });
});
