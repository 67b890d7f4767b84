import { Client, errors } from "@elastic/elasticsearch";
import { errorMessage } from "../../error-message.js";
import {
  connectionParts,
  type SearchClient,
  type SearchConnectionOptions,
  type SearchRequest,
  type SearchResponse,
} from "./client.js";
import { type MediaTypes, mediaTypes, oldestNodeVersion, unsupported } from "./elasticsearch-version.js";

/**
 * A SearchClient over `@elastic/elasticsearch` for Elasticsearch 7.17, 8.x and 9.x. Before its first
 * request it asks the nodes' versions and picks the media types they all take (elasticsearch-version.ts).
 * That client talks to Elasticsearch only: it refuses a 2xx answer without `x-elastic-product:
 * Elasticsearch` (OpenSearch, Elasticsearch before 7.14, a proxy that strips the header).
 */
export function elasticsearchClient(options: SearchConnectionOptions): SearchClient {
  const { node, where, auth } = connectionParts(options);
  const client = new Client({
    node,
    ...(auth ? { auth } : {}),
    requestTimeout: options.requestTimeout ?? 30_000,
    maxRetries: 2,
  });

  async function send(request: SearchRequest, types: MediaTypes): Promise<SearchResponse> {
    try {
      const response = await client.transport.request(
        {
          method: request.method,
          path: request.path,
          ...(request.query ? { querystring: request.query } : {}),
          ...(request.body ? { body: request.body } : {}),
          ...(request.lines ? { bulkBody: request.lines } : {}),
        },
        {
          meta: true,
          headers: { "content-type": request.lines ? types.ndjson : types.json, accept: types.accept },
        },
      );
      return { status: response.statusCode ?? 0, body: response.body };
    } catch (error) {
      if (error instanceof errors.ResponseError) {
        return { status: error.statusCode ?? 0, body: error.body };
      }
      if (error instanceof errors.ProductNotSupportedError) {
        throw new Error(
          `${where} is not Elasticsearch 7.17 or later (no "x-elastic-product: Elasticsearch" header); for OpenSearch use the OpenSearch store`,
        );
      }
      // Not chained as `cause`: the client's error holds the connection, headers (credentials) included.
      const detail = errorMessage(error);
      throw new Error(`no answer from ${where} (${request.method} ${request.path}): ${detail}`);
    }
  }

  /**
   * The nodes' versions by `GET /_nodes` (embedded nodes lack `GET /`, which lives in a module). A
   * user not allowed to list nodes gets plain JSON, which every supported major takes.
   */
  async function detect(): Promise<MediaTypes> {
    const answer = await send(
      { method: "GET", path: "/_nodes", query: { filter_path: "nodes.*.version" } },
      mediaTypes(null),
    );
    const oldest = answer.status === 200 ? oldestNodeVersion(answer.body) : null;
    const refusal = oldest ? unsupported(oldest, where) : null;
    if (refusal) throw new Error(refusal);
    return mediaTypes(oldest);
  }

  // Asked once; asked again only after no answer came (or the version was refused).
  let detected: Promise<MediaTypes> | null = null;
  const types = (): Promise<MediaTypes> => {
    detected ??= detect().catch((error: unknown) => {
      detected = null;
      throw error;
    });
    return detected;
  };

  return {
    where,
    async request(request: SearchRequest): Promise<SearchResponse> {
      return send(request, await types());
    },
    async close(): Promise<void> {
      await client.close();
    },
  };
}
