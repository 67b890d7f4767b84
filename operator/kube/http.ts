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
}

/** What the controller needs from an API client: one JSON request (lets tests pass a fake). */
export interface KubeRequester {
  request<T>(spec: RequestSpec): Promise<T>;
}

/**
 * A minimal JSON request against the API server, authenticated from the KubeConfig. Used where list and
 * watch must see the same raw JSON (the generated clients turn timestamps into Dates, the watch does not).
 */
export class KubeHttp implements KubeRequester {
  private readonly agents = {
    https: new https.Agent({ keepAlive: true, maxSockets: 16 }),
    http: new http.Agent({ keepAlive: true, maxSockets: 16 }),
  };

  constructor(
    private readonly kc: KubeConfig,
    private readonly onRequest: (method: string, status: number) => void = () => {},
  ) {}

  async request<T>(spec: RequestSpec): Promise<T> {
    const cluster = this.kc.getCurrentCluster();
    if (!cluster) throw new Error("no current cluster in kubeconfig");
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
      agent: secure ? this.agents.https : this.agents.http,
      headers: {
        Accept: spec.responseType === "text" ? "text/plain, */*" : "application/json",
        ...(payload !== undefined ? { "Content-Type": spec.contentType ?? "application/json" } : {}),
      },
      timeout: 30_000,
    };
    // applyToHTTPSOptions builds a fresh Agent per call (no connection reuse); take the credentials and TLS
    // settings it computes, keep our keep-alive agent.
    const auth: https.RequestOptions = {};
    await this.kc.applyToHTTPSOptions(auth);
    const { agent: _perCallAgent, headers: authHeaders, ...tls } = auth;
    Object.assign(options, tls, { headers: { ...options.headers, ...(authHeaders ?? {}) } });
    const transport = secure ? https : http;
    return await new Promise<T>((resolve, reject) => {
      const req = transport.request(options, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          const status = res.statusCode ?? 0;
          this.onRequest(spec.method, status);
          if (status < 200 || status >= 300)
            return reject(new KubeHttpError(status, text, spec.method, spec.path));
          if (spec.responseType === "text") return resolve(text as T);
          try {
            resolve((text === "" ? {} : JSON.parse(text)) as T);
          } catch (err) {
            reject(err);
          }
        });
      });
      req.on("timeout", () => req.destroy(new Error(`${spec.method} ${spec.path}: timed out`)));
      req.on("error", reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  close(): void {
    this.agents.https.destroy();
    this.agents.http.destroy();
  }
}
