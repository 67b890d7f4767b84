/** Where a MySQL/MariaDB database lives, from `mysql://host:port/database`. */
export interface MysqlAddress {
  host: string;
  port: number;
  database: string;
  /** User named in the URL (`mysql://user@host/db`), if any. */
  user: string | null;
}

const DEFAULT_PORT = 3306;

/**
 * Parses `mysql://host[:port]/database`. Errors never repeat the URL itself: it could carry a password,
 * which this form does not accept (passwords come from a Secret, not from the URL).
 */
export function parseMysqlUrl(url: string): MysqlAddress {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error("MySQL URL is not a URL of the form mysql://host:port/database");
  }
  if (parsed.protocol !== "mysql:")
    throw new Error(`MySQL URL must start with mysql://, got ${parsed.protocol}//`);
  if (parsed.password !== "")
    throw new Error("MySQL URL must not carry a password: pass it separately (from a Secret)");
  const host = parsed.hostname.replace(/^\[(.*)\]$/, "$1");
  if (host === "") throw new Error("MySQL URL names no host: expected mysql://host:port/database");
  const port = parsed.port === "" ? DEFAULT_PORT : Number(parsed.port);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ""));
  if (database === "" || database.includes("/"))
    throw new Error(`MySQL URL for ${host}:${port} must name one database: mysql://host:port/database`);
  return { host, port, database, user: parsed.username === "" ? null : decodeURIComponent(parsed.username) };
}
