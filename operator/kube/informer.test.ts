import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";
import { afterEach, describe, expect, it } from "vitest";
import { KubeHttp, METADATA_ONLY } from "./http.js";
import { Informer, type InformerOptions, type KubeObject } from "./informer.js";
import { RESOURCES } from "./resources.js";

const cm = (name: string, rv: string): KubeObject => ({
  metadata: { name, namespace: "ns", resourceVersion: rv },
});
const line = (type: string, object: unknown) => `${JSON.stringify({ type, object })}\n`;

type WatchScript = (req: IncomingMessage, res: ServerResponse, query: URLSearchParams) => void;

/** A fake API server: scripted list answers and watch streams, recording every request. */
function fakeApi(lists: KubeObject[][], watches: WatchScript[]) {
  const requests: string[] = [];
  let listCalls = 0;
  let watchCalls = 0;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    requests.push(
      `${url.searchParams.get("watch") ? "WATCH" : "LIST"} rv=${url.searchParams.get("resourceVersion") ?? ""}`,
    );
    if (url.searchParams.get("watch")) {
      const script = watches[watchCalls++];
      if (!script) return; // hang: the test stops the informer
      res.writeHead(200, { "content-type": "application/json" });
      script(req, res, url.searchParams);
      return;
    }
    const items = lists[Math.min(listCalls++, lists.length - 1)] ?? [];
    const rv = String(10 * listCalls);
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ items, metadata: { resourceVersion: rv } }));
  });
  return { server, requests, listCount: () => listCalls };
}

let cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup) c();
  cleanup = [];
});

async function start(api: { server: Server }, extra: Partial<InformerOptions<KubeObject>> = {}) {
  await new Promise<void>((r) => api.server.listen(0, "127.0.0.1", r));
  const port = (api.server.address() as AddressInfo).port;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "c", server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: "u" }],
    contexts: [{ name: "x", cluster: "c", user: "u" }],
    currentContext: "x",
  });
  const http = new KubeHttp(kc);
  const restarts: string[] = [];
  const informer = new Informer<KubeObject>(http, {
    resource: RESOURCES.configMap,
    namespace: "ns",
    backoff: { baseMs: 10, maxMs: 20 },
    onRestart: (reason) => restarts.push(reason),
    ...extra,
  });
  const events: string[] = [];
  informer.on((e, o) => events.push(`${e} ${o.metadata?.name}`));
  cleanup.push(() => {
    informer.stop();
    http.close();
    api.server.closeAllConnections();
    api.server.close();
  });
  return { informer, events, restarts };
}

const until = async (cond: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe("Informer", () => {
  it("lists, watches, resumes after a normal close without relisting, relists after errors and 410", async () => {
    const api = fakeApi(
      [[cm("a", "1")], [cm("a", "1"), cm("b", "11"), cm("c", "15")], [cm("c", "15")]],
      [
        // 1: one event, then the server ends the watch (its timeout): resume from rv 11
        (_, res) => {
          res.write(line("ADDED", cm("b", "11")));
          res.end();
        },
        // 2: server error: back off, relist
        (_, res) => {
          res.destroy();
        },
        // 3: 410 Gone inside the stream: relist at once
        (_, res) => {
          res.write(line("ERROR", { kind: "Status", code: 410, message: "too old" }));
        },
        // 4: bookmark only, stays open
        (_, res) => {
          res.write(line("BOOKMARK", { metadata: { resourceVersion: "31" } }));
        },
      ],
    );
    const { informer, events, restarts } = await start(api);
    await informer.start();
    expect(informer.hasSynced()).toBe(true);
    await until(() => api.requests.length >= 7);
    expect(api.requests.slice(0, 7)).toEqual([
      "LIST rv=",
      "WATCH rv=10",
      "WATCH rv=11",
      "LIST rv=",
      "WATCH rv=20",
      "LIST rv=",
      "WATCH rv=30",
    ]);
    await until(() => events.includes("delete b"));
    expect(events).toEqual(["add a", "add b", "add c", "delete a", "delete b"]);
    expect(informer.list().map((o) => o.metadata?.name)).toEqual(["c"]);
    expect(informer.get("ns", "c")?.metadata?.resourceVersion).toBe("15");
    expect(restarts).toHaveLength(2);
    expect(restarts[1]).toContain("410");
  });

  it("keeps retrying a failing list with backoff and syncs once it answers", async () => {
    let failures = 3;
    const requests: string[] = [];
    const server = createServer((req, res) => {
      requests.push(req.url ?? "");
      if (!(req.url ?? "").includes("watch") && failures-- > 0) {
        res.writeHead(503).end('{"message":"unavailable"}');
        return;
      }
      if ((req.url ?? "").includes("watch")) return;
      res.writeHead(200).end(JSON.stringify({ items: [cm("x", "5")], metadata: { resourceVersion: "5" } }));
    });
    const api = { server, requests, listCount: () => 0 };
    const { informer, restarts } = await start(api);
    await informer.start();
    expect(informer.list()).toHaveLength(1);
    expect(restarts).toHaveLength(3);
    expect(restarts[0]).toContain("503");
  });

  it("metadataOnly: lists and watches through the metadata-only API, so no Secret data is ever sent", async () => {
    const seen: { url: string; accept: string }[] = [];
    const server = createServer((req, res) => {
      seen.push({ url: req.url ?? "", accept: req.headers.accept ?? "" });
      if ((req.url ?? "").includes("watch=true")) {
        res.writeHead(200);
        res.write(
          line("ADDED", {
            kind: "PartialObjectMetadata",
            metadata: { name: "s2", namespace: "ns", resourceVersion: "6" },
          }),
        );
        return;
      }
      res.writeHead(200).end(
        JSON.stringify({
          kind: "PartialObjectMetadataList",
          items: [{ metadata: { name: "s1", namespace: "ns", resourceVersion: "5" } }],
          metadata: { resourceVersion: "5" },
        }),
      );
    });
    const { informer, events } = await start({ server }, { resource: RESOURCES.secret, metadataOnly: true });
    await informer.start();
    await until(() => events.includes("add s2"));
    expect(seen.map((r) => r.url.split("?")[0])).toEqual([
      "/api/v1/namespaces/ns/secrets",
      "/api/v1/namespaces/ns/secrets",
    ]);
    expect(seen.map((r) => r.accept)).toEqual([METADATA_ONLY.list, METADATA_ONLY.watch]);
  });

  it("reports a refused list (403) with the server's message naming verb, resource and namespace", async () => {
    let refusals = 2;
    const message =
      'secrets is forbidden: User "system:serviceaccount:x:op" cannot list resource "secrets" in API group "" in the namespace "ns"';
    const server = createServer((req, res) => {
      if ((req.url ?? "").includes("watch=true")) return;
      if (refusals-- > 0) {
        res.writeHead(403).end(JSON.stringify({ kind: "Status", code: 403, reason: "Forbidden", message }));
        return;
      }
      res.writeHead(200).end(JSON.stringify({ items: [], metadata: { resourceVersion: "1" } }));
    });
    const forbidden: string[] = [];
    const { informer } = await start({ server }, { onForbidden: (m) => forbidden.push(m) });
    const synced = informer.start();
    await until(() => forbidden.length >= 1);
    expect(informer.hasSynced()).toBe(false);
    expect(informer.forbidden).toContain('cannot list resource "secrets"');
    expect(forbidden[0]).toContain('in the namespace "ns"');
    await synced;
    expect(forbidden).toHaveLength(2);
    expect(informer.forbidden).toBeUndefined();
  });

  it("syncs when a list answers items: null (a metadata-only list of nothing)", async () => {
    const server = createServer((req, res) => {
      if ((req.url ?? "").includes("watch=true")) return;
      res.writeHead(200).end(JSON.stringify({ items: null, metadata: { resourceVersion: "1" } }));
    });
    const { informer, restarts } = await start({ server });
    await informer.start();
    expect(informer.hasSynced()).toBe(true);
    expect(restarts).toEqual([]);
    informer.stop();
  });

  it("stop() ends a watch that is still open", async () => {
    let closed = false;
    const server = createServer((req, res) => {
      if ((req.url ?? "").includes("watch=true")) {
        res.writeHead(200);
        res.write(line("BOOKMARK", { metadata: { resourceVersion: "2" } }));
        req.on("close", () => {
          closed = true;
        });
        return;
      }
      res.writeHead(200).end(JSON.stringify({ items: [], metadata: { resourceVersion: "1" } }));
    });
    const { informer } = await start({ server });
    await informer.start();
    await new Promise((r) => setTimeout(r, 50));
    informer.stop();
    await until(() => closed);
    expect(closed).toBe(true);
  });
});
