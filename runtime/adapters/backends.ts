import { ConfigError, type RuntimeConfig } from "../config.js";
import type { Queue } from "../ports/queue.js";
import type { ConfigStore, DataStore, IdentityIndex } from "../ports/store.js";
import { embeddedConfigStore } from "./embedded/config-store.js";
import { EmbeddedDataStore } from "./embedded/data-store.js";
import { type Db, GroupCommit, openDatabase } from "./embedded/database.js";
import { EmbeddedIdentityIndex } from "./embedded/identity.js";
import { EmbeddedQueue } from "./embedded/queue.js";
import { openMysqlConfigStore } from "./mysql/config-store.js";
import { openMysqlIdentityIndex } from "./mysql/identity.js";
import { openSearchDataStore } from "./search/index.js";

/** The adapters serving each port in this process, chosen by `settings.backends`. */
export interface Backends {
  queue: Queue;
  identity: IdentityIndex;
  data: DataStore;
  config: ConfigStore;
  /** The embedded SQLite file: it holds every port served embedded. */
  db: Db;
  close(): Promise<void>;
}

interface Opened<T> {
  port: T;
  close(): Promise<void>;
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
  if (backends.queue.kind !== "embedded")
    throw new ConfigError(
      `the ${backends.queue.kind} adapter for the queue is not built into this runtime yet`,
    );
  if (backends.store.kind === "elasticsearch")
    throw new ConfigError(
      "TRACARDI_STORE=elasticsearch: the Elasticsearch client is not built into this runtime yet (TRACARDI_STORE=opensearch is)",
    );
  const db = openDatabase(settings.dataDir);
  // Intake answers 2xx only once the WAL is on disk (synced off the event loop; see GroupCommit).
  const commits = new GroupCommit(db, { syncWal: role === "intake" });
  const opened: Opened<unknown>[] = [];
  const closeAll = async () => {
    await Promise.all(opened.reverse().map((o) => o.close()));
    await commits.close();
    db.close();
  };
  try {
    const queue = embeddedQueue(settings, db, commits);
    opened.push(queue);
    const config = await configStore(settings, db);
    opened.push(config);
    const data = await dataStore(settings, db);
    opened.push(data);
    const identity = await identityIndex(settings, db, commits);
    opened.push(identity);
    return {
      queue: queue.port,
      identity: identity.port,
      data: data.port,
      config: config.port,
      db,
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

function embeddedQueue(settings: RuntimeConfig, db: Db, commits: GroupCommit): Opened<Queue> {
  const queue = new EmbeddedQueue(db, commits, {
    maxBacklog: settings.maxBacklog,
    pollIntervalMs: 25,
    retryBaseMs: 500,
  });
  return { port: queue, close: () => queue.close() };
}

async function configStore(settings: RuntimeConfig, db: Db): Promise<Opened<ConfigStore>> {
  const backend = settings.backends.config;
  if (backend.kind === "embedded") return { port: embeddedConfigStore(db), close: async () => {} };
  const { store, close } = await openMysqlConfigStore(backend);
  return { port: store, close };
}

async function dataStore(settings: RuntimeConfig, db: Db): Promise<Opened<DataStore>> {
  const backend = settings.backends.store;
  if (backend.kind === "embedded") return { port: new EmbeddedDataStore(db), close: async () => {} };
  const { store, close } = await openSearchDataStore(backend);
  return { port: store, close };
}

/** Identities live where the configuration does: MySQL is shared by every API replica, the file is not. */
async function identityIndex(
  settings: RuntimeConfig,
  db: Db,
  commits: GroupCommit,
): Promise<Opened<IdentityIndex>> {
  const backend = settings.backends.config;
  if (backend.kind === "embedded")
    return { port: new EmbeddedIdentityIndex(db, commits), close: async () => {} };
  const { index, close } = await openMysqlIdentityIndex(backend);
  return { port: index, close };
}
