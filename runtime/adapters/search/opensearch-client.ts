import { Client, errors } from "@opensearch-project/opensearch";
import type { SearchClient, SearchRequest, SearchResponse } from "./client.js";

export interface SearchConnectionOptions {
  /** `http(s)://host:port`; credentials in the URL are used but never shown. */
  url: string;
  user?: string | null;
  password?: string | null;
  /** Per request, in milliseconds (default 30 s). */
  requestTimeout?: number;
}

/** A SearchClient over `@opensearch-project/opensearch`. */
export function openSearchClient(options: SearchConnectionOptions): SearchClient {
  const url = new URL(options.url);
  const user = options.user ?? (url.username ? decodeURIComponent(url.username) : null);
  const password = options.password ?? (url.password ? decodeURIComponent(url.password) : null);
  url.username = "";
  url.password = "";
  const where = url.origin;
  const client = new Client({
    node: url.toString(),
    ...(user !== null ? { auth: { username: user, password: password ?? "" } } : {}),
    requestTimeout: options.requestTimeout ?? 30_000,
    maxRetries: 2,
  });
  return {
    where,
    async request(request: SearchRequest): Promise<SearchResponse> {
      try {
        const response = await client.transport.request({
          method: request.method,
          path: request.path,
          ...(request.query ? { querystring: request.query } : {}),
          ...(request.body ? { body: request.body } : {}),
          ...(request.lines ? { bulkBody: request.lines } : {}),
        });
        return { status: response.statusCode ?? 0, body: response.body };
      } catch (error) {
        if (error instanceof errors.ResponseError) {
          return { status: error.statusCode, body: error.body };
        }
        // Not chained as `cause`: the client's error holds the connection, headers (credentials) included.
        const detail = error instanceof Error ? error.message : String(error);
        throw new Error(`no answer from ${where} (${request.method} ${request.path}): ${detail}`);
      }
    },
    async close(): Promise<void> {
      await client.close();
    },
  };
}
