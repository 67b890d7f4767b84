import { Client, errors } from "@opensearch-project/opensearch";
import { errorMessage } from "../../error-message.js";
import {
  connectionParts,
  type SearchClient,
  type SearchConnectionOptions,
  type SearchRequest,
  type SearchResponse,
} from "./client.js";

/** A SearchClient over `@opensearch-project/opensearch`. */
export function openSearchClient(options: SearchConnectionOptions): SearchClient {
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
        const detail = errorMessage(error);
        throw new Error(`no answer from ${where} (${request.method} ${request.path}): ${detail}`);
      }
    },
    async close(): Promise<void> {
      await client.close();
    },
  };
}
