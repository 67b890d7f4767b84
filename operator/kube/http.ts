import http from "node:http";
import https from "node:https";
import type { KubeConfig } from "@kubernetes/client-node";

export class KubeHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    method: string,
    path: string,
  ) {
    super(`${method} ${path}: HTTP ${status}: ${summarise(body)}`);
  }
}

function summarise(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: string };
    if (parsed.message) return parsed.message;
  } catch {}
  return body.slice(0, 300);
}

export const isStatus = (err: unknown, status: number): boolean =>
  err instanceof KubeHttpError && err.status === status;

export interface RequestSpec {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
  contentType?: string;
  /** "text" resolves the body as it came (pod logs); JSON otherwise. */
  responseType?: "json" | "text";
  /** Overrides the Accept header, e.g. METADATA_ONLY for metadata-only lists. */
  accept?: string;
  /** Aborts the request (and rejects) when it fires, whatever stage the request is in. */
  signal?: AbortSignal;
}

/** Accept headers of the metadata-only API: the server strips everything but metadata (no Secret data). */
export const METADATA_ONLY = {
  list: "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1",
  watch: "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1",
} as const;

/** What the controller needs from an API client: one JSON request (lets tests pass a fake). */
export interface KubeRequester {
  request<T>(spec: RequestSpec): Promise<T>;
}

export interface WatchSpec {
  path: string;
  query?: Record<string, string | undefined>;
  accept?: string;
  signal: AbortSignal;
}

/** A requester that can also stream a watch: onLine gets each event; resolves when the server ends it. */
export interface KubeWatcher extends KubeRequester {
  watch(spec: WatchSpec, onEvent: (event: unknown) => void): Promise<void>;
}

/**
 * A minimal JSON request against the API server, authenticated from the KubeConfig. Used where list and
 * watch must see the same raw JSON (the generated clients turn timestamps into Dates, the watch does not).
 */
export class KubeHttp implements KubeWatcher {
  private readonly agents = {
    https: new https.Agent({ keepAlive: true, maxSockets: 16 }),
    http: new http.Agent({ keepAlive: true, maxSockets: 16 }),
  };
  /**
   * Watches hold their connection for minutes, one per resource and namespace: on the requests' pool
   * they would take every socket (8 resources × 2 namespaces = 16) and leave the Lease renewal and
   * every apply waiting forever. They get sockets of their own, as many as there are watches.
   */
  private readonly watchAgents = {
    https: new https.Agent({ keepAlive: true }),
    http: new http.Agent({ keepAlive: true }),
  };

  constructor(
    private readonly kc: KubeConfig,
    private readonly onRequest: (method: string, status: number) => void = () => {},
  ) {}

  /** Connects and sends; resolves with the response once its headers arrive. */
  private async open(
    spec: RequestSpec,
    timeoutMs: number,
    agents: { https: https.Agent; http: http.Agent } = this.agents,
  ): Promise<{ res: http.IncomingMessage; req: http.ClientRequest }> {
    const cluster = this.kc.getCurrentCluster();
    if (!cluster) throw new Error("no current cluster in kubeconfig");
    spec.signal?.throwIfAborted();
    const url = new URL(cluster.server.replace(/\/$/, "") + spec.path);
    for (const [k, v] of Object.entries(spec.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const secure = url.protocol === "https:";
    const payload = spec.body === undefined ? undefined : JSON.stringify(spec.body);
    const options: https.RequestOptions = {
      method: spec.method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port,
      path: url.pathname + url.search,
      agent: secure ? agents.https : agents.http,
      headers: {
        Accept: spec.accept ?? (spec.responseType === "text" ? "text/plain, */*" : "application/json"),
        // Content-Length always: Node sends a DELETE body neither chunked nor with a length, so the
        // server ignores it (the uid precondition with it) and reads it as the next request on the
        // kept-alive socket, which then fails with a bare "400 Bad Request".
        ...(payload !== undefined
          ? {
              "Content-Type": spec.contentType ?? "application/json",
              "Content-Length": Buffer.byteLength(payload),
            }
          : {}),
      },
      timeout: timeoutMs,
    };
    // applyToHTTPSOptions builds a fresh Agent per call (no connection reuse); take the credentials and TLS
    // settings it computes, keep our keep-alive agent.
    const auth: https.RequestOptions = {};
    await this.kc.applyToHTTPSOptions(auth);
    const { agent: _perCallAgent, headers: authHeaders, ...tls } = auth;
    Object.assign(options, tls, { headers: { ...options.headers, ...(authHeaders ?? {}) } });
    if (spec.signal) options.signal = spec.signal;
    const transport = secure ? https : http;
    return await new Promise((resolve, reject) => {
      const req = transport.request(options, (res) => resolve({ res, req }));
      // The socket timeout counts idle time only; an abort signal bounds the whole exchange.
      req.on("timeout", () => req.destroy(new Error(`${spec.method} ${spec.path}: timed out`)));
      req.on("error", reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  async request<T>(spec: RequestSpec): Promise<T> {
    const { res } = await this.open(spec, 30_000);
    const text = await readAll(res);
    const status = res.statusCode ?? 0;
    this.onRequest(spec.method, status);
    if (status < 200 || status >= 300) throw new KubeHttpError(status, text, spec.method, spec.path);
    if (spec.responseType === "text") return text as T;
    return (text === "" ? {} : JSON.parse(text)) as T;
  }

  /** One watch stream: newline-delimited JSON events until the server ends it or the signal aborts it. */
  async watch(spec: WatchSpec, onEvent: (event: unknown) => void): Promise<void> {
    const request: RequestSpec = {
      method: "GET",
      path: spec.path,
      query: { ...spec.query, watch: "true" },
      signal: spec.signal,
      ...(spec.accept ? { accept: spec.accept } : {}),
    };
    // No socket timeout: a watch is quiet by nature; the informer's watchdog aborts silent ones.
    const { res } = await this.open(request, 0, this.watchAgents);
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 300) throw new KubeHttpError(status, await readAll(res), "GET", spec.path);
    let pending = "";
    for await (const chunk of res) {
      pending += (chunk as Buffer).toString("utf8");
      let nl = pending.indexOf("\n");
      while (nl >= 0) {
        const line = pending.slice(0, nl).trim();
        pending = pending.slice(nl + 1);
        if (line !== "") onEvent(JSON.parse(line));
        nl = pending.indexOf("\n");
      }
    }
  }

  close(): void {
    this.agents.https.destroy();
    this.agents.http.destroy();
    this.watchAgents.https.destroy();
    this.watchAgents.http.destroy();
  }
}

async function readAll(res: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
