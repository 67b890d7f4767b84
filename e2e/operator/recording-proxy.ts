import { createServer, type Server } from "node:http";
import { request as httpsRequest } from "node:https";
import type { AddressInfo } from "node:net";
import { kubectlJson } from "../lib/kubectl.js";

/** One request the operator sent to the API server, and what came back. */
export interface RecordedRequest {
  method: string;
  /** Path and query as sent. */
  url: string;
  accept: string;
  status: number;
  /** The response body (for a watch: everything streamed until the connection closed, so far). */
  body: string;
}

export interface RecordingProxy {
  /** http://host:port: point the operator's kubeconfig here. */
  url: string;
  requests: RecordedRequest[];
  close: () => Promise<void>;
}

interface KubeconfigView {
  clusters: { cluster: { server: string; "certificate-authority-data"?: string } }[];
}

/**
 * A plain-HTTP proxy on loopback in front of the API server that records every request the operator makes
 * and every byte it receives: what lets a test say what the operator was sent, not only what it did.
 * Credentials are the client's own (its bearer token passes through).
 */
export async function startRecordingProxy(host: string): Promise<RecordingProxy> {
  const view = await kubectlJson<KubeconfigView>(["config", "view", "--raw", "--minify", "--flatten"]);
  const cluster = view.clusters[0]?.cluster;
  if (!cluster) throw new Error("kubectl config view returned no cluster");
  const upstream = new URL(cluster.server);
  const ca = cluster["certificate-authority-data"]
    ? Buffer.from(cluster["certificate-authority-data"], "base64")
    : undefined;
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const record: RecordedRequest = {
      method: req.method ?? "GET",
      url: req.url ?? "/",
      accept: req.headers.accept ?? "",
      status: 0,
      body: "",
    };
    requests.push(record);
    const { host: _host, ...headers } = req.headers;
    const up = httpsRequest(
      {
        hostname: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers,
        ...(ca ? { ca } : { rejectUnauthorized: false }),
      },
      (upRes) => {
        record.status = upRes.statusCode ?? 0;
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.on("data", (chunk: Buffer) => {
          record.body += chunk.toString("utf8");
          res.write(chunk);
        });
        upRes.on("end", () => res.end());
        upRes.on("error", () => res.destroy());
      },
    );
    up.on("error", () => res.destroy());
    res.on("close", () => up.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
