import type { ResultSetHeader, RowDataPacket } from "mysql2/promise";
import { type ConfigCollection, type ConfigStore, configStoreOf } from "../../ports/store.js";
import { decodeDocument } from "./document.js";
import {
  type MysqlConnectionOptions,
  type MysqlPool,
  mysqlError,
  openMysqlPool,
  runStatement,
} from "./pool.js";

/*
 * One table for every kind, like the embedded store. `kind` and `id` are VARBINARY so that ids compare
 * and sort byte for byte as in SQLite ('a' ≠ 'A' ≠ 'a '; text collations would fold case or pad
 * spaces). `doc` is text, not JSON: MySQL's JSON type reorders keys and MariaDB's is LONGTEXT anyway,
 * so text keeps each document exactly as written on both. No JSON_VALID check either: MariaDB's
 * rejects escaped lone surrogates ("\ud800"), which JSON.parse accepts and SQLite stores.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS tracardi_config (
  kind VARBINARY(64) NOT NULL,
  id VARBINARY(1024) NOT NULL,
  doc LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  PRIMARY KEY (kind, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`;

const SQL = {
  get: "SELECT doc FROM tracardi_config WHERE kind = ? AND id = ?",
  list: "SELECT doc FROM tracardi_config WHERE kind = ? ORDER BY id",
  put: "INSERT INTO tracardi_config (kind, id, doc) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE doc = VALUES(doc)",
  delete: "DELETE FROM tracardi_config WHERE kind = ? AND id = ?",
};

class MysqlCollection<T extends { id: string }> implements ConfigCollection<T> {
  constructor(
    private readonly db: MysqlPool,
    private readonly kind: string,
  ) {}

  async get(id: string): Promise<T | null> {
    const rows = await this.run<RowDataPacket[]>(SQL.get, [this.kind, id]);
    return rows[0] ? decodeDocument<T>(rows[0].doc) : null;
  }

  async list(): Promise<T[]> {
    return (await this.run<RowDataPacket[]>(SQL.list, [this.kind])).map((row) => decodeDocument<T>(row.doc));
  }

  async put(doc: T): Promise<T> {
    await this.run<ResultSetHeader>(SQL.put, [this.kind, doc.id, JSON.stringify(doc)]);
    return doc;
  }

  async delete(id: string): Promise<boolean> {
    return (await this.run<ResultSetHeader>(SQL.delete, [this.kind, id])).affectedRows > 0;
  }

  private async run<R extends RowDataPacket[] | ResultSetHeader>(sql: string, params: string[]): Promise<R> {
    return runStatement<R>(this.db, `MySQL at ${this.db.where} (${this.kind})`, sql, params);
  }
}

/** The configuration collections over one pool. */
export function mysqlConfigStore(db: MysqlPool): ConfigStore {
  return configStoreOf((kind) => new MysqlCollection(db, kind));
}

export interface OpenedMysqlConfigStore {
  store: ConfigStore;
  /** Ends the pool; later calls do nothing. */
  close(): Promise<void>;
}

/**
 * Connects (failing with an error naming host:port when the server is unreachable or refuses the
 * credentials) and creates the table if it does not exist.
 */
export async function openMysqlConfigStore(options: MysqlConnectionOptions): Promise<OpenedMysqlConfigStore> {
  const db = await openMysqlPool(options);
  try {
    await createConfigTable(db);
  } catch (error) {
    await db.pool.end().catch(() => {});
    throw error;
  }
  let closed: Promise<void> | null = null;
  return {
    store: mysqlConfigStore(db),
    close: () => {
      closed ??= db.pool.end();
      return closed;
    },
  };
}

/** Creates the configuration table if it does not exist. */
export async function createConfigTable(db: MysqlPool): Promise<void> {
  try {
    await db.pool.query(SCHEMA);
  } catch (error) {
    throw mysqlError(`MySQL at ${db.where}: cannot create table tracardi_config`, error);
  }
}
