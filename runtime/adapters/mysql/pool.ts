import { createPool, type Pool } from "mysql2/promise";
import { parseMysqlUrl } from "./url.js";

/** How to reach the database; the shape of the runtime's `MysqlSettings` (TRACARDI_MYSQL_*). */
export interface MysqlConnectionOptions {
  /** `mysql://host:port/database`. */
  url: string;
  /** Falls back to the user named in the URL. */
  user: string | null;
  password: string | null;
  /** Connections the pool opens at most (default 10). */
  connectionLimit?: number;
}

export interface MysqlPool {
  pool: Pool;
  /** `host:port/database`, for error messages (never the credentials). */
  where: string;
}

/**
 * Opens a connection pool and checks, with one round trip, that the server answers and accepts the
 * credentials, so a wrong address or password fails here with a message naming host:port.
 */
export async function openMysqlPool(options: MysqlConnectionOptions): Promise<MysqlPool> {
  const address = parseMysqlUrl(options.url);
  const where = `${address.host}:${address.port}/${address.database}`;
  const user = options.user ?? address.user;
  if (user === null) throw new Error(`MySQL at ${where}: no user given`);
  const pool = createPool({
    host: address.host,
    port: address.port,
    database: address.database,
    user,
    password: options.password ?? "",
    charset: "utf8mb4",
    connectionLimit: options.connectionLimit ?? 10,
    connectTimeout: 10_000,
  });
  try {
    await pool.query("SELECT 1");
  } catch (error) {
    await pool.end().catch(() => {});
    throw mysqlError(`cannot connect to MySQL at ${where}`, error);
  }
  return { pool, where };
}

/**
 * An error that says where it happened. mysql2's own messages name neither the server nor the
 * database, and a refused connection to a name with several addresses is an AggregateError without
 * a message, hence the code as a fallback.
 */
export function mysqlError(context: string, error: unknown): Error {
  const detail = error instanceof Error ? error.message || codeOf(error) : String(error);
  return new Error(`${context}: ${detail}`, { cause: error });
}

/** The MySQL error code (e.g. `ER_LOCK_DEADLOCK`) or Node's (e.g. `ECONNREFUSED`), if any. */
function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : "unknown error";
}
