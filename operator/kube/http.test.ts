import { createServer, type RequestListener } from "node:http";
import type { AddressInfo } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";
import { afterEach, describe, expect, it } from "vitest";
import { KubeHttp, KubeHttpError } from "./http.js";

let cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup) c();
  cleanup = [];
});

async function clientOf(handler: RequestListener) {
  const server = createServer(handler);
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
  cleanup.push(() => {
    http.close();
    server.closeAllConnections();
    server.close();
  });
  return http;
}

describe("KubeHttp", () => {
  it("an abort signal ends a request the server never answers (the socket timeout alone is 30 s)", async () => {
    let received = 0;
    // Accepts the request and answers nothing: what a half-open connection looks like.
    const http = await clientOf(() => received++);
    const outcome = await http
      .request({ method: "PUT", path: "/lease", body: {}, signal: AbortSignal.timeout(100) })
      .then(
        () => "answered",
        (err: unknown) => (err instanceof Error ? err.name : String(err)),
      );
    expect(received).toBe(1);
    expect(outcome).toMatch(/AbortError|TimeoutError/);
  });

  it("sends a DELETE's body (DeleteOptions) with its length, and the next request on the socket is whole", async () => {
    const seen: { method: string; body: string }[] = [];
    const http = await clientOf((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        seen.push({ method: req.method ?? "", body });
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
    });
    const options = { kind: "DeleteOptions", preconditions: { uid: "u-1" } };
    await http.request({ method: "DELETE", path: "/apis/apps/v1/namespaces/a/deployments/x", body: options });
    await http.request({ method: "DELETE", path: "/apis/apps/v1/namespaces/a/deployments/y", body: options });
    expect(seen).toEqual([
      { method: "DELETE", body: JSON.stringify(options) },
      { method: "DELETE", body: JSON.stringify(options) },
    ]);
  });

  it("a refused watch rejects with the server's message (verb, resource, namespace)", async () => {
    const message =
      'pods is forbidden: User "u" cannot watch resource "pods" in API group "" in the namespace "a"';
    const http = await clientOf((_, res) => res.writeHead(403).end(JSON.stringify({ code: 403, message })));
    const err = await http
      .watch({ path: "/api/v1/namespaces/a/pods", signal: new AbortController().signal }, () => {})
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeHttpError);
    expect((err as KubeHttpError).status).toBe(403);
    expect((err as Error).message).toContain('cannot watch resource "pods"');
  });

  it("twenty open watches leave requests their sockets (the Lease renewal must never wait behind them)", async () => {
    const http = await clientOf((req, res) => {
      if (req.url?.includes("/pods")) {
        res.writeHead(200, { "content-type": "application/json" });
        res.write(""); // held open, as the API server holds a watch
        return;
      }
      res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
    });
    const stop = new AbortController();
    const watches = Array.from({ length: 20 }, (_, i) =>
      http
        .watch({ path: `/api/v1/namespaces/n${i}/pods`, signal: stop.signal }, () => {})
        .catch(() => undefined),
    );
    await new Promise((r) => setTimeout(r, 200));
    const answer = await http.request<{ ok: boolean }>({
      method: "GET",
      path: "/apis/coordination.k8s.io/v1/namespaces/x/leases/op",
      signal: AbortSignal.timeout(5_000),
    });
    expect(answer).toEqual({ ok: true });
    stop.abort();
    await Promise.all(watches);
  });
});
