import { execFile } from "node:child_process";
import { appendFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { createConnection } from "mysql2/promise";
import { inject } from "vitest";

const ROOT = resolve(import.meta.dirname, "../../..");

export type ServerName =
  | "mariadb"
  | "pulsar"
  | "opensearch"
  | "elasticsearch"
  | "elasticsearch8"
  | "elasticsearch7";

/** What an `infra/<name>.sh start` prints as its last line: connection details, as JSON. */
export interface ServerInfo {
  /** The script started the server now (rather than finding it running). */
  startedNow: boolean;
  [key: string]: unknown;
}

/** What `infra/mariadb.sh start` prints. */
export interface MariaDbInfo extends ServerInfo {
  url: string;
  user: string;
  password: string;
}

/** Runs `work` on one connection to the MariaDB server, as its test user (no database chosen). */
export async function onMariaDb<T>(
  server: MariaDbInfo,
  work: (sql: (statement: string) => Promise<unknown>) => Promise<T>,
): Promise<T> {
  const url = new URL(server.url);
  const connection = await createConnection({
    host: url.hostname,
    port: Number(url.port),
    user: server.user,
    password: server.password,
  });
  try {
    return await work((statement) => connection.query(statement));
  } finally {
    await connection.end();
  }
}

/**
 * Starts one of the real servers of `infra/` unless it runs already, and returns its connection
 * details. Servers this test run started are stopped by the global teardown (global-setup.ts).
 * The first start on a machine downloads and installs; later ones take seconds.
 */
export async function ensureServer<T extends ServerInfo = ServerInfo>(name: ServerName): Promise<T> {
  const stdout = await infra(name, "start");
  const last = stdout.trim().split("\n").at(-1) ?? "";
  const info = JSON.parse(last) as T;
  if (info.startedNow) appendFileSync(inject("infraStartedFile"), `${name}\n`);
  return info;
}

/**
 * Runs `infra/<name>.sh <command>` and returns its standard output; `env` adds to the environment
 * (e.g. `TRACARDI_MARIADB_PORT` for a MariaDB of the test's own).
 */
export function infra(
  name: ServerName,
  command: "start" | "stop",
  env: Record<string, string> = {},
): Promise<string> {
  return new Promise<string>((done, fail) => {
    execFile(
      "bash",
      [join(ROOT, "infra", `${name}.sh`), command],
      { cwd: ROOT, timeout: 20 * 60_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...env } },
      (error, out, err) =>
        error ? fail(new Error(`infra/${name}.sh ${command} failed: ${err || error.message}`)) : done(out),
    );
  });
}
