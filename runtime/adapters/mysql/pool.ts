import {
  createPool,
  type Pool,
  type PoolConnection,
  type ResultSetHeader,
  type RowDataPacket,
} from "mysql2/promise";
import { BackendUnavailableError } from "../../ports/unavailable.js";
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
  /** A connection, or a statement with its wait for a connection, that takes longer fails (default 5000). */
  timeoutMs?: number;
}

export interface MysqlPool {
  pool: Pool;
  /** `host:port/database`, for error messages (never the credentials). */
  where: string;
  timeoutMs: number;
}

/** Statements waiting for a free connection at most; more fail at once (503) instead of piling up. */
const QUEUE_LIMIT = 1000;

/**
 * Opens a connection pool and checks, with one round trip, that the server answers and accepts the
 * credentials, so a wrong address or password fails here with a message naming host:port.
 */
export async function openMysqlPool(options: MysqlConnectionOptions): Promise<MysqlPool> {
  const address = parseMysqlUrl(options.url);
  const where = `${address.host}:${address.port}/${address.database}`;
  const user = options.user ?? address.user;
  const timeoutMs = options.timeoutMs ?? 5000;
  if (user === null) throw new Error(`MySQL at ${where}: no user given`);
  const pool = createPool({
    host: address.host,
    port: address.port,
    database: address.database,
    user,
    password: options.password ?? "",
    charset: "utf8mb4",
    connectionLimit: options.connectionLimit ?? 10,
    connectTimeout: timeoutMs,
    queueLimit: QUEUE_LIMIT,
  });
  const db = { pool, where, timeoutMs };
  try {
    await runStatement(db, `cannot connect to MySQL at ${where}`, "SELECT 1", []);
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }
  return db;
}

/** Runs one statement within the time limit; errors say where (see `mysqlError`). */
export async function runStatement<R extends RowDataPacket[] | ResultSetHeader>(
  db: MysqlPool,
  context: string,
  sql: string,
  params: (string | null)[],
): Promise<R> {
  return withConnection(db, context, async (connection) => {
    const [result] = await connection.execute<R>(sql, params);
    return result;
  });
}

/**
 * Lends a pooled connection to `use`, which must be done within the time limit (waiting for the
 * connection included). A connection that overran is destroyed, not reused: a server that stopped
 * answering cannot hold the pool, and a late answer cannot reach the next statement.
 */
export async function withConnection<T>(
  db: MysqlPool,
  context: string,
  use: (connection: PoolConnection) => Promise<T>,
): Promise<T> {
  const started = Date.now();
  let connection: PoolConnection;
  try {
    connection = await within(db.pool.getConnection(), db.timeoutMs, db.timeoutMs, (late) => late.release());
  } catch (error) {
    throw mysqlError(context, error);
  }
  try {
    const left = db.timeoutMs - (Date.now() - started);
    const result = await within(use(connection), left, db.timeoutMs, () => {});
    connection.release();
    return result;
  } catch (error) {
    if (error instanceof MysqlTimeout || isConnectionFault(error)) connection.destroy();
    else connection.release();
    throw mysqlError(context, error);
  }
}

class MysqlTimeout extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
  }
}

/** `work`'s result, or a MysqlTimeout after `ms`; what `work` gives later goes to `late`. */
function within<T>(work: Promise<T>, ms: number, limitMs: number, late: (value: T) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let overran = false;
    const timer = setTimeout(
      () => {
        overran = true;
        reject(new MysqlTimeout(limitMs));
      },
      Math.max(0, ms),
    );
    work.then(
      (value) => {
        clearTimeout(timer);
        if (overran) late(value);
        else resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        if (!overran) reject(error);
      },
    );
  });
}

/**
 * An error that says where it happened. mysql2's own messages name neither the server nor the
 * database, and a refused connection to a name with several addresses is an AggregateError without
 * a message, hence the code as a fallback. When the server cannot be reached, does not answer in
 * time, refuses the credentials or the pool is full, it is a BackendUnavailableError (503 with
 * Retry-After at the APIs): the request may succeed later, unchanged.
 */
export function mysqlError(context: string, error: unknown): Error {
  if (error instanceof BackendUnavailableError) return error;
  const detail = error instanceof Error ? error.message || codeOf(error) : String(error);
  const message = `${context}: ${detail}`;
  if (error instanceof MysqlTimeout || isConnectionFault(error)) {
    return new BackendUnavailableError(message, 2, { cause: error });
  }
  return new Error(message, { cause: error });
}

const UNAVAILABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
  "PROTOCOL_CONNECTION_LOST",
  "PROTOCOL_SEQUENCE_TIMEOUT",
  "ER_CON_COUNT_ERROR",
  "ER_SERVER_SHUTDOWN",
  "ER_ACCESS_DENIED_ERROR",
  "ER_DBACCESS_DENIED_ERROR",
]);

/** The connection or the server failed (not the statement): the same statement may work later. */
function isConnectionFault(error: unknown): boolean {
  if (error instanceof AggregateError) return error.errors.some(isConnectionFault);
  if (!(error instanceof Error)) return false;
  if ((error as { fatal?: unknown }).fatal === true || UNAVAILABLE_CODES.has(codeOf(error))) return true;
  // mysql2 gives these without a code.
  return error.message === "Queue limit reached." || error.message === "Pool is closed.";
}

/** The MySQL error code (e.g. `ER_LOCK_DEADLOCK`) or Node's (e.g. `ECONNREFUSED`), if any. */
function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : "unknown error";
}
