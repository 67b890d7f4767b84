import { ConfigError, type RuntimeConfig } from "../config.js";
import type { Queue } from "../ports/queue.js";
import type { ConfigStore, DataStore, IdentityIndex } from "../ports/store.js";
import { embeddedConfigStore } from "./embedded/config-store.js";
import { EmbeddedDataStore } from "./embedded/data-store.js";
import { type Db, GroupCommit, openDatabase } from "./embedded/database.js";
import { EmbeddedIdentityIndex } from "./embedded/identity.js";
import { EmbeddedQueue } from "./embedded/queue.js";

/** The adapters serving each port in this process, chosen by `settings.backends`. */
export interface Backends {
  queue: Queue;
  identity: IdentityIndex;
  data: DataStore;
  config: ConfigStore;
  /** The embedded SQLite file; it always holds the identity index, and any port served embedded. */
  db: Db;
  close(): Promise<void>;
}

/**
 * Opens the adapters. `role: "intake"` backs 2xx answers, so embedded commits are fsynced before
 * they resolve; `"processing"` is the second connection of a standalone process (its own thread).
 */
export async function openBackends(
  settings: RuntimeConfig,
  role: "intake" | "processing",
): Promise<Backends> {
  for (const [port, backend] of Object.entries(settings.backends)) {
    if (backend.kind !== "embedded")
      throw new ConfigError(`the ${backend.kind} adapter for the ${port} is not built into this runtime yet`);
  }
  const db = openDatabase(settings.dataDir);
  // Intake answers 2xx only once the WAL is on disk (synced off the event loop; see GroupCommit).
  const commits = new GroupCommit(db, { syncWal: role === "intake" });
  const queue = new EmbeddedQueue(db, commits, {
    maxBacklog: settings.maxBacklog,
    pollIntervalMs: 25,
    retryBaseMs: 500,
  });
  return {
    queue,
    identity: new EmbeddedIdentityIndex(db, commits),
    data: new EmbeddedDataStore(db),
    config: embeddedConfigStore(db),
    db,
    close: async () => {
      await queue.close();
      await commits.close();
      db.close();
    },
  };
}
