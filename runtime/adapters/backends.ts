import type { MysqlSettings, PulsarSettings, RuntimeConfig } from "../config.js";
import type { Queue } from "../ports/queue.js";
import type { ConfigStore, DataStore, IdentityIndex } from "../ports/store.js";
import { WalCheckpointer } from "./embedded/checkpointer.js";
import { embeddedConfigStore } from "./embedded/config-store.js";
import { EmbeddedDataStore } from "./embedded/data-store.js";
import { type Db, GroupCommit, openDatabase } from "./embedded/database.js";
import { EmbeddedIdentityIndex } from "./embedded/identity.js";
import { EmbeddedQueue } from "./embedded/queue.js";
import { openMysqlBackend } from "./mysql/index.js";
import { openPulsarQueue } from "./pulsar/open.js";
import { readSearchDisk, type SearchDiskReport } from "./search/disk.js";
import { searchProblem } from "./search/health.js";
import { openElasticsearchDataStore, openSearchDataStore } from "./search/index.js";

/** The adapters serving each port in this process, chosen by `settings.backends`. */
export interface Backends {
  queue: Queue;
  identity: IdentityIndex;
  data: DataStore;
  config: ConfigStore;
  /** The embedded SQLite file: it holds every port served embedded. */
  db: Db;
  /** What keeps a backend from serving right now (one line each); empty when all is well. */
  problems(): Promise<string[]>;
  /** The search cluster's disk watermarks and usage; null when the data store is embedded. */
  searchDisk(): Promise<SearchDiskReport | null>;
  close(): Promise<void>;
}

interface Opened {
  close(): Promise<void>;
  problem?(): Promise<string | null>;
}

/**
 * Opens the adapters. `role: "intake"` backs 2xx answers, so embedded commits are fsynced before
 * they resolve; `"processing"` is the second connection of a standalone process (its own thread).
 * A backend that cannot be reached fails the start with an error naming it.
 */
export async function openBackends(
  settings: RuntimeConfig,
  role: "intake" | "processing",
): Promise<Backends> {
  const { backends } = settings;
  const db = openDatabase(settings.dataDir);
  // Intake answers 2xx only once the WAL is on disk (synced off the event loop; see GroupCommit).
  const commits = new GroupCommit(db, { syncWal: role === "intake" });
  const checkpointer = role === "intake" && servesEmbedded(backends) ? startCheckpointer(db) : null;
  const opened: Opened[] = [];
  const closeAll = async () => {
    await Promise.all(opened.reverse().map((o) => o.close()));
    await commits.close();
    await checkpointer?.stop();
    db.close();
  };
  try {
    const queue =
      backends.queue.kind === "pulsar"
        ? await openPulsar(backends.queue, settings.maxBacklog, opened)
        : embeddedQueue(db, commits, settings.maxBacklog, opened);
    // Identities live with the configuration: MySQL is shared by every API replica, the file is not.
    const mysql = backends.config.kind === "mysql" ? await openMysql(backends.config, opened) : null;
    let searchDisk: () => Promise<SearchDiskReport | null> = async () => null;
    const data = await dataStore(settings, db, opened, (read) => {
      searchDisk = read;
    });
    return {
      queue,
      identity: mysql?.identity ?? new EmbeddedIdentityIndex(db, commits),
      config: mysql?.config ?? embeddedConfigStore(db),
      data,
      db,
      problems: async () => {
        // A check that fails outright is a problem too, never an exception for the caller.
        const found = await Promise.all(
          opened.map(
            (o) =>
              o.problem?.().catch((error: unknown) => `backend check failed: ${describe(error)}`) ?? null,
          ),
        );
        return found.filter((p): p is string => p !== null);
      },
      searchDisk: () => searchDisk(),
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/**
 * How often the checkpoint thread folds the WAL into the database file: about 6,000 pages (25 MB)
 * at 25,000 requests/s. Every 100 ms cost the intake more CPU per request (measured, bench/ingest).
 */
const CHECKPOINT_INTERVAL_MS = 1000;

function servesEmbedded(backends: RuntimeConfig["backends"]): boolean {
  return (
    backends.queue.kind === "embedded" ||
    backends.store.kind === "embedded" ||
    backends.config.kind === "embedded"
  );
}

/** The intake connection backs 2xx answers: it never stops for a checkpoint (see WalCheckpointer). */
function startCheckpointer(db: Db): WalCheckpointer {
  return WalCheckpointer.start(db, {
    intervalMs: CHECKPOINT_INTERVAL_MS,
    onFailure: (reason) =>
      process.stderr.write(`WAL checkpoint thread failed, commits checkpoint again: ${reason}\n`),
  });
}

function embeddedQueue(db: Db, commits: GroupCommit, maxBacklog: number, opened: Opened[]): Queue {
  const queue = new EmbeddedQueue(db, commits, { maxBacklog, pollIntervalMs: 25, retryBaseMs: 500 });
  opened.push(queue);
  return queue;
}

/** Pulsar over its WebSocket and admin APIs; at start and at every check, both must answer. */
async function openPulsar(settings: PulsarSettings, maxBacklog: number, opened: Opened[]): Promise<Queue> {
  const queue = openPulsarQueue(
    { url: settings.serviceUrl, webUrl: settings.webUrl ?? undefined, token: settings.token ?? undefined },
    {
      maxBacklog,
      naming: { tenant: settings.tenant, namespace: settings.namespace, prefix: settings.topicPrefix },
    },
  );
  const where = settings.webUrl ?? settings.serviceUrl;
  const problem = async () => {
    try {
      await queue.backlog();
    } catch (error) {
      return `Pulsar at ${where} does not answer: ${describe(error)}`;
    }
    try {
      await queue.checkWebSocket();
      return null;
    } catch (error) {
      return `Pulsar at ${where} refuses its WebSocket API: ${describe(error)}`;
    }
  };
  const atStart = await problem();
  if (atStart !== null) {
    await queue.close();
    throw new Error(`cannot start: ${atStart}`);
  }
  opened.push({ close: () => queue.close(), problem });
  return queue;
}

async function openMysql(settings: MysqlSettings, opened: Opened[]) {
  const mysql = await openMysqlBackend(settings);
  opened.push(mysql);
  return mysql;
}

async function dataStore(
  settings: RuntimeConfig,
  db: Db,
  opened: Opened[],
  onSearch: (readDisk: () => Promise<SearchDiskReport>) => void,
): Promise<DataStore> {
  const backend = settings.backends.store;
  if (backend.kind === "embedded") return new EmbeddedDataStore(db);
  const open = backend.kind === "elasticsearch" ? openElasticsearchDataStore : openSearchDataStore;
  const search = await open(backend);
  opened.push({ close: search.close, problem: () => searchProblem(search.client, search.indices) });
  onSearch(() => readSearchDisk(search.client, search.indices));
  return search.store;
}

/** An error's message, with the code of its cause when it has one (fetch says only "fetch failed"). */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error.cause as { code?: unknown } | undefined)?.code;
  return typeof code === "string" ? `${error.message} (${code})` : error.message;
}
