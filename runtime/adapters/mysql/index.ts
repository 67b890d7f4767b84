import { errorMessage } from "../../error-message.js";
import type { ConfigStore } from "../../ports/store.js";
import { createConfigTable, mysqlConfigStore } from "./config-store.js";
import { createIdentityTables, MysqlIdentityIndex } from "./identity.js";
import { type MysqlConnectionOptions, openMysqlPool, runStatement } from "./pool.js";

export interface MysqlBackend {
  config: ConfigStore;
  identity: MysqlIdentityIndex;
  /** Why MySQL cannot serve right now (unreachable, credentials refused), or null. */
  problem(): Promise<string | null>;
  close(): Promise<void>;
}

/** Configuration and identities on one connection pool; tables are created if missing. */
export async function openMysqlBackend(options: MysqlConnectionOptions): Promise<MysqlBackend> {
  const db = await openMysqlPool(options);
  try {
    await createConfigTable(db);
    await createIdentityTables(db);
  } catch (error) {
    await db.pool.end().catch(() => {});
    throw error;
  }
  const identity = new MysqlIdentityIndex(db);
  return {
    config: mysqlConfigStore(db),
    identity,
    problem: async () => {
      try {
        await runStatement(db, `MySQL at ${db.where} does not answer`, "SELECT 1", []);
        return null;
      } catch (error) {
        return errorMessage(error);
      }
    },
    close: async () => {
      await identity.persisted().catch(() => {});
      await db.pool.end();
    },
  };
}
