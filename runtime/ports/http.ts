/**
 * Outbound HTTP (remote-call nodes, webhook destinations). Stages see this interface; the adapter
 * in `runtime/adapters/http/` checks where a request may go before it connects.
 */
export interface HttpRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** For the whole call, redirects and the answer's body included; a timeout rejects like a network error. */
  timeoutMs: number;
  /** Aborts the call (e.g. at shutdown); rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type HttpClient = (request: HttpRequest) => Promise<HttpResponse>;

/**
 * A request the client will not make: an address inside (loopback, link-local, the cluster's own
 * services), a redirect to another origin, too many redirects. Retrying cannot help.
 */
export class RefusedRequestError extends Error {
  override readonly name = "RefusedRequestError";
}

/** A call that did not finish within its `timeoutMs`. */
export class HttpTimeoutError extends Error {
  override readonly name = "TimeoutError";
}
