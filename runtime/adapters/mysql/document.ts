/**
 * A stored document as the driver returns it: text from a LONGTEXT column, already parsed when the
 * column is JSON (mysql2 ≥ 3.23 parses MariaDB's JSON too), or bytes from a binary column.
 */
export function decodeDocument<T>(value: unknown): T {
  if (typeof value === "string") return JSON.parse(value) as T;
  if (Buffer.isBuffer(value)) return JSON.parse(value.toString("utf8")) as T;
  if (typeof value === "object" && value !== null) return value as T;
  throw new Error(
    `config document is neither JSON text nor an object: ${value === null ? "null" : typeof value}`,
  );
}
