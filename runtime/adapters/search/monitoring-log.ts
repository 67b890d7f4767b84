import type { LogEntry, LogPage, LogQuery, LogStore } from "../../ports/monitoring-log.js";
import { expectOk, reason, type SearchClient } from "./client.js";

const MAPPINGS = {
  dynamic: false,
  properties: {
    id: { type: "keyword" },
    time: { type: "date", format: "strict_date_optional_time" },
    level: { type: "keyword" },
    kind: { type: "keyword" },
    process: { type: "keyword" },
    message: { type: "text" },
    // Kept in _source, never indexed: any shape.
    details: { type: "object", enabled: false },
  },
};

/** How many old entries one pruning round deletes (search, then bulk delete: no reindex module needed). */
const PRUNE_BATCH = 1000;

/**
 * The monitoring log as an index of the search engine (`<prefix>tracardi-log`, as Tracardi keeps its
 * log in Elasticsearch): shared by every process, and writable while MySQL is down.
 */
export class SearchLogStore implements LogStore {
  private constructor(
    private readonly client: SearchClient,
    private readonly index: string,
  ) {}

  static async open(client: SearchClient, prefix: string, layout: { shards: number; replicas: number }) {
    const index = `${prefix}tracardi-log`;
    const exists = await client.request({ method: "HEAD", path: `/${index}` });
    if (exists.status !== 200) {
      const created = await client.request({
        method: "PUT",
        path: `/${index}`,
        body: {
          settings: { number_of_shards: layout.shards, number_of_replicas: layout.replicas },
          mappings: MAPPINGS,
        },
      });
      const ok = created.status >= 200 && created.status < 300;
      if (!ok && !reason(created.body).includes("resource_already_exists_exception"))
        throw new Error(
          `creating index ${index} failed at ${client.where}: HTTP ${created.status} ${reason(created.body)}`,
        );
    }
    return new SearchLogStore(client, index);
  }

  async write(entries: LogEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const lines = entries.flatMap((e) => [{ index: { _index: this.index, _id: e.id } }, e]);
    const body = await expectOk<{ errors?: boolean; items?: { index?: { error?: unknown } }[] }>(
      this.client,
      { method: "POST", path: "/_bulk", query: { refresh: "true" }, lines },
      "writing the monitoring log",
    );
    const failed = body.items?.find((item) => item.index?.error);
    if (body.errors && failed) throw new Error(`writing the monitoring log: ${reason(failed.index)}`);
  }

  async list(query: LogQuery): Promise<LogPage> {
    const filter: object[] = [];
    if (query.level !== undefined) filter.push({ term: { level: query.level } });
    if (query.kind !== undefined) filter.push({ term: { kind: query.kind } });
    if (query.since !== undefined) filter.push({ range: { time: { gte: query.since } } });
    const body = await expectOk<{ hits: { total: { value: number }; hits: { _source: LogEntry }[] } }>(
      this.client,
      {
        method: "POST",
        path: `/${this.index}/_search`,
        body: {
          query: { bool: { filter } },
          sort: [{ time: "desc" }, { id: "desc" }],
          from: query.offset,
          size: query.limit,
          track_total_hits: true,
        },
      },
      "reading the monitoring log",
    );
    return { total: body.hits.total.value, result: body.hits.hits.map((h) => h._source) };
  }

  async prune(before: string): Promise<number> {
    let deleted = 0;
    for (;;) {
      const found = await expectOk<{ hits: { hits: { _id: string }[] } }>(
        this.client,
        {
          method: "POST",
          path: `/${this.index}/_search`,
          body: { query: { range: { time: { lt: before } } }, size: PRUNE_BATCH, _source: false },
        },
        "finding old monitoring log entries",
      );
      const ids = found.hits.hits.map((h) => h._id);
      if (ids.length === 0) return deleted;
      await expectOk(
        this.client,
        {
          method: "POST",
          path: "/_bulk",
          query: { refresh: "true" },
          lines: ids.map((id) => ({ delete: { _index: this.index, _id: id } })),
        },
        "pruning the monitoring log",
      );
      deleted += ids.length;
      if (ids.length < PRUNE_BATCH) return deleted;
    }
  }
}
