import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";
import { afterEach, describe, expect, it } from "vitest";
import { KubeHttp } from "./http.js";
import type { KubeObject } from "./informer.js";
import { NamespacedInformers } from "./informers.js";
import { RESOURCES } from "./resources.js";

let cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup) c();
  cleanup = [];
});

/** A fake API server answering every namespace's list with one object named after the namespace. */
async function informersFor(namespaces: string[] | undefined) {
  const paths: string[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    paths.push(`${url.searchParams.get("watch") ? "WATCH" : "LIST"} ${url.pathname}`);
    if (url.searchParams.get("watch")) return; // stays open
    const ns = /\/namespaces\/([^/]+)\//.exec(url.pathname)?.[1] ?? "cluster";
    const item: KubeObject = { metadata: { name: `in-${ns}`, namespace: ns, resourceVersion: "1" } };
    res.writeHead(200).end(JSON.stringify({ items: [item], metadata: { resourceVersion: "1" } }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: "c",
        server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        skipTLSVerify: true,
      },
    ],
    users: [{ name: "u" }],
    contexts: [{ name: "x", cluster: "c", user: "u" }],
    currentContext: "x",
  });
  const http = new KubeHttp(kc);
  const informers = new NamespacedInformers<KubeObject>(http, namespaces, { resource: RESOURCES.pod });
  cleanup.push(() => {
    informers.stop();
    http.close();
    server.closeAllConnections();
    server.close();
  });
  return { informers, paths };
}

describe("NamespacedInformers", () => {
  it("lists and watches each listed namespace on its own path (what Roles allow) and reads as one cache", async () => {
    const { informers, paths } = await informersFor(["a", "b"]);
    await informers.start();
    expect(informers.hasSynced()).toBe(true);
    expect(paths.filter((p) => p.startsWith("LIST")).sort()).toEqual([
      "LIST /api/v1/namespaces/a/pods",
      "LIST /api/v1/namespaces/b/pods",
    ]);
    expect(
      informers
        .list()
        .map((o) => o.metadata?.name)
        .sort(),
    ).toEqual(["in-a", "in-b"]);
    expect(informers.list("b").map((o) => o.metadata?.name)).toEqual(["in-b"]);
    expect(informers.get("a", "in-a")?.metadata?.namespace).toBe("a");
    expect(informers.get("a", "in-b")).toBeUndefined();
  });

  it("without namespaces: one cluster-wide informer", async () => {
    const { informers, paths } = await informersFor(undefined);
    await informers.start();
    expect(paths.filter((p) => p.startsWith("LIST"))).toEqual(["LIST /api/v1/pods"]);
    expect(informers.members).toHaveLength(1);
  });
});
