import { randomBytes } from "node:crypto";
import { indexNames } from "../../adapters/search/indices.js";
import { RuntimeProcess } from "../harness.js";
import { ensureServer, type MariaDbInfo, onMariaDb, type ServerInfo } from "./servers.js";

// The production topology on the real servers, as the operator deploys it: APIs and workers as
// separate processes talking through Pulsar, with configuration and identities in MariaDB and the
// data in OpenSearch. Each topology has its own database, topic prefix and index prefix, so test
// files running side by side (and other helpers on the same servers) never share a message or a row.

/** What `infra/pulsar.sh start` prints. */
export interface PulsarInfo extends ServerInfo {
  serviceUrl: string;
  webUrl: string;
}

/** What `infra/opensearch.sh start` prints. */
export interface SearchInfo extends ServerInfo {
  url: string;
}

export class Topology {
  /** The processes launched since the last `stopProcesses`. */
  private readonly processes: RuntimeProcess[] = [];

  private constructor(
    /** Topic and index prefix of this topology (`<name>-<random>-`). */
    readonly prefix: string,
    readonly database: string,
    readonly pulsar: PulsarInfo,
    readonly mysql: MariaDbInfo,
    readonly search: SearchInfo,
    /** What every component of this topology runs with. */
    readonly env: Record<string, string>,
  ) {}

  /**
   * Starts the servers unless they run, creates a database of its own and returns the topology;
   * `extraEnv` is added to every component's environment; `store` holds the data (OpenSearch by default).
   */
  static async start(
    name: string,
    extraEnv: Record<string, string> = {},
    /** A MariaDB of the test's own (one it may stop) instead of the shared one. */
    ownMysql?: MariaDbInfo,
    store: "opensearch" | "elasticsearch" = "opensearch",
  ): Promise<Topology> {
    const run = randomBytes(5).toString("hex");
    const prefix = `${name}-${run}-`;
    const database = `tracardi_${name.replace(/\W/g, "_")}_${run}`;
    const [pulsar, mysql, search] = await Promise.all([
      ensureServer<PulsarInfo>("pulsar"),
      ownMysql ?? ensureServer<MariaDbInfo>("mariadb"),
      ensureServer<SearchInfo>(store),
    ]);
    await onMariaDb(mysql, (sql) => sql(`CREATE DATABASE \`${database}\``));
    const env = {
      TRACARDI_QUEUE: "pulsar",
      TRACARDI_PULSAR_URL: pulsar.serviceUrl,
      TRACARDI_PULSAR_WEB_URL: pulsar.webUrl,
      TRACARDI_PULSAR_TOPIC_PREFIX: prefix,
      TRACARDI_MYSQL_URL: `mysql://${new URL(mysql.url).host}/${database}`,
      TRACARDI_MYSQL_USER: mysql.user,
      TRACARDI_MYSQL_PASSWORD: mysql.password,
      TRACARDI_STORE: store,
      TRACARDI_SEARCH_URL: search.url,
      TRACARDI_SEARCH_INDEX_PREFIX: prefix,
      TRACARDI_PROCESS_INLINE: "false",
      TRACARDI_MERGE_INTERVAL_MS: "0",
      ...extraEnv,
    };
    return new Topology(prefix, database, pulsar, mysql, search, env);
  }

  /** Starts one component (`api --role private`, `worker collector`…), `extraEnv` for it alone. */
  async launch(args: string[], extraEnv: Record<string, string> = {}): Promise<RuntimeProcess> {
    const runtime = RuntimeProcess.create(this.env);
    this.processes.push(runtime);
    await runtime.launch(args, extraEnv);
    return runtime;
  }

  /** What every process launched since the last `stopProcesses` wrote, by its command. */
  logs(): string {
    return this.processes.map((p) => `=== ${p.command}\n${p.logs}`).join("\n");
  }

  /**
   * Runs `check`; when it throws, throws again with what explains a pipeline that did not drain: the
   * Pulsar subscriptions of this topology (backlog, consumers, unacked) and each process's last log lines.
   */
  async explained<T>(check: () => Promise<T>): Promise<T> {
    try {
      return await check();
    } catch (error) {
      const subscriptions = await this.subscriptionStats().catch((e: unknown) => `unreadable: ${String(e)}`);
      const tails = this.processes.map(
        (p) => `=== ${p.command}\n${p.logs.split("\n").slice(-40).join("\n")}`,
      );
      throw new Error(
        `${error instanceof Error ? error.message : String(error)}\n--- Pulsar subscriptions\n${subscriptions}\n--- logs\n${tails.join("\n")}`,
      );
    }
  }

  private async subscriptionStats(): Promise<string> {
    const lines: string[] = [];
    for (const name of await this.topics()) {
      const response = await fetch(`${this.namespaceUrl}/${encodeURIComponent(name)}/stats`);
      const stats = (await response.json()) as {
        subscriptions?: Record<string, { msgBacklog: number; unackedMessages: number; consumers: unknown[] }>;
      };
      for (const [subscription, s] of Object.entries(stats.subscriptions ?? {})) {
        lines.push(
          `${name} (${subscription}): backlog ${s.msgBacklog}, unacked ${s.unackedMessages}, consumers ${s.consumers.length}`,
        );
      }
    }
    return lines.join("\n");
  }

  private get namespaceUrl(): string {
    return `${this.pulsar.webUrl}/admin/v2/persistent/public/default`;
  }

  /** This topology's topics (names without the namespace). */
  private async topics(): Promise<string[]> {
    const topics = (await (await fetch(this.namespaceUrl)).json()) as string[];
    return topics.map((topic) => topic.split("/").pop() ?? "").filter((name) => name.startsWith(this.prefix));
  }

  /** Stops every process launched so far (SIGTERM); the servers and the data stay. */
  async stopProcesses(): Promise<void> {
    await Promise.all(this.processes.splice(0).map((p) => p.stop()));
  }

  /** Stops the processes, then drops this topology's database, indices and topics. */
  async close(): Promise<void> {
    await this.stopProcesses();
    await onMariaDb(this.mysql, (sql) => sql(`DROP DATABASE IF EXISTS \`${this.database}\``));
    for (const index of Object.values(indexNames(this.prefix))) {
      await fetch(`${this.search.url}/${index}`, { method: "DELETE" });
    }
    for (const name of await this.topics()) {
      await fetch(`${this.namespaceUrl}/${encodeURIComponent(name)}?force=true`, { method: "DELETE" });
    }
  }
}
