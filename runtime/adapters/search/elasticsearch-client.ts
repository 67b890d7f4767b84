import { Client, errors } from "@elastic/elasticsearch";
import {
  connectionParts,
  type SearchClient,
  type SearchConnectionOptions,
  type SearchRequest,
  type SearchResponse,
} from "./client.js";

/**
 * A SearchClient over `@elastic/elasticsearch`. That client talks to Elasticsearch only: it refuses a
 * 2xx answer without `x-elastic-product: Elasticsearch` (OpenSearch, a proxy that strips the header).
 */
export function elasticsearchClient(options: SearchConnectionOptions): SearchClient {
  const { node, where, auth } = connectionParts(options);
  const client = new Client({
    node,
    ...(auth ? { auth } : {}),
    requestTimeout: options.requestTimeout ?? 30_000,
    maxRetries: 2,
  });
  return {
    where,
    async request(request: SearchRequest): Promise<SearchResponse> {
      try {
        const response = await client.transport.request(
          {
            method: request.method,
            path: request.path,
            ...(request.query ? { querystring: request.query } : {}),
            ...(request.body ? { body: request.body } : {}),
            ...(request.lines ? { bulkBody: request.lines } : {}),
          },
          { meta: true },
        );
        return { status: response.statusCode ?? 0, body: response.body };
      } catch (error) {
        if (error instanceof errors.ResponseError) {
          return { status: error.statusCode ?? 0, body: error.body };
        }
        if (error instanceof errors.ProductNotSupportedError) {
          throw new Error(
            `${where} is not Elasticsearch (no "x-elastic-product: Elasticsearch" header); for OpenSearch use the OpenSearch store`,
          );
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
