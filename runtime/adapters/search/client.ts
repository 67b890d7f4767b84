/**
 * The few HTTP calls the search store makes, independent of the client library: the same store can run
 * over `@opensearch-project/opensearch` (OpenSearch) or, later, `@elastic/elasticsearch` (Elasticsearch),
 * whose transports both take method, path, query string and a JSON or NDJSON body.
 */
export interface SearchClient {
  /** `scheme://host:port` without credentials, for error messages. */
  readonly where: string;
  /** Answers with the status and parsed body whatever the status; rejects only when no answer came. */
  request(request: SearchRequest): Promise<SearchResponse>;
  close(): Promise<void>;
}

export interface SearchConnectionOptions {
  /** `http(s)://host:port`; credentials in the URL are used but never shown. */
  url: string;
  user?: string | null;
  password?: string | null;
  /** Per request, in milliseconds (default 30 s). */
  requestTimeout?: number;
}

/** The node URL without credentials, the same for messages, and the credentials (options first, then URL). */
export function connectionParts(options: SearchConnectionOptions): {
  node: string;
  where: string;
  auth?: { username: string; password: string };
} {
  const url = new URL(options.url);
  const user = options.user ?? (url.username ? decodeURIComponent(url.username) : null);
  const password = options.password ?? (url.password ? decodeURIComponent(url.password) : null);
  url.username = "";
  url.password = "";
  return {
    node: url.toString(),
    where: url.origin,
    ...(user !== null ? { auth: { username: user, password: password ?? "" } } : {}),
  };
}

export interface SearchRequest {
  method: "GET" | "PUT" | "POST" | "DELETE" | "HEAD";
  path: string;
  query?: Record<string, string | number | boolean>;
  /** A JSON body. */
  body?: object;
  /** An NDJSON body (`_bulk`): one line per entry (objects, or lines already serialised). */
  lines?: object[] | string[];
}

export interface SearchResponse {
  status: number;
  body: unknown;
}

/** Sends a request and returns the body of a 2xx answer; any other status is an error naming the server. */
export async function expectOk<T>(client: SearchClient, request: SearchRequest, what: string): Promise<T> {
  const response = await client.request(request);
  if (response.status < 200 || response.status > 299) {
    throw new Error(`${what} failed at ${client.where}: HTTP ${response.status} ${reason(response.body)}`);
  }
  return response.body as T;
}

/** The `error.reason` (or `error.type`) of an error answer, else the body as text, kept short. */
export function reason(body: unknown): string {
  if (typeof body === "object" && body !== null && "error" in body) {
    const error = (body as { error: unknown }).error;
    if (typeof error === "object" && error !== null) {
      const { type, reason: why } = error as { type?: unknown; reason?: unknown };
      return [type, why].filter((part) => typeof part === "string").join(": ");
    }
    if (typeof error === "string") return error;
  }
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return (text ?? "").slice(0, 500);
}
