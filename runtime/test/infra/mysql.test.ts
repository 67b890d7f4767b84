import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openMysqlConfigStore } from "../../adapters/mysql/config-store.js";
import { openMysqlBackend } from "../../adapters/mysql/index.js";
import { describeConfigStoreContract } from "../contract/config-store.js";
import { describeIdentityIndexContract } from "../contract/identity-index.js";
import { ensureServer, type MariaDbInfo, onMariaDb } from "./servers.js";

let server: MariaDbInfo;
let host: string;
let port: number;
// Throwaway databases of this file; the server grants the test user every `tracardi_*` database.
const suffix = randomBytes(6).toString("hex");
const DATABASE = `tracardi_test_${suffix}`;
const JSON_COLUMN_DATABASE = `tracardi_test_${suffix}_json`;

function urlOf(database: string, atPort = port): string {
  return `mysql://${host}:${atPort}/${database}`;
}

const admin = <T>(work: (sql: (statement: string) => Promise<unknown>) => Promise<T>) =>
  onMariaDb(server, work);

beforeAll(async () => {
  // The first run on a machine installs MariaDB with apt-get.
  server = await ensureServer<MariaDbInfo>("mariadb");
  const url = new URL(server.url);
  host = url.hostname;
  port = Number(url.port);
  await admin(async (sql) => {
    await sql(`CREATE DATABASE ${DATABASE}`);
    await sql(`CREATE DATABASE ${JSON_COLUMN_DATABASE}`);
  });
}, 10 * 60_000);

afterAll(async () => {
  if (!server) return;
  await admin(async (sql) => {
    await sql(`DROP DATABASE IF EXISTS ${DATABASE}`);
    await sql(`DROP DATABASE IF EXISTS ${JSON_COLUMN_DATABASE}`);
  });
});

describeConfigStoreContract("MySQL adapter on MariaDB", () =>
  openMysqlConfigStore({ url: urlOf(DATABASE), user: server.user, password: server.password }),
);

describeIdentityIndexContract("MySQL identity index on MariaDB", async () => {
  const options = { url: urlOf(DATABASE), user: server.user, password: server.password };
  const [one, two] = [await openMysqlBackend(options), await openMysqlBackend(options)];
  return {
    index: one.identity,
    other: two.identity,
    close: async () => {
      await Promise.all([one.close(), two.close()]);
    },
  };
});

describe("MySQL config store", () => {
  it("names host:port, and not the password, when nothing listens there", async () => {
    const closedPort = await unusedPort();
    const password = "do-not-print-me-1";
    const error = await openMysqlConfigStore({
      url: urlOf(DATABASE, closedPort),
      user: server.user,
      password,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toContain(`${host}:${closedPort}`);
    expect(message).toContain("ECONNREFUSED");
    expect(message).not.toContain(password);
  });

  it("names host:port, and not the password, when the password is wrong", async () => {
    const password = "do-not-print-me-2";
    const error = await openMysqlConfigStore({ url: urlOf(DATABASE), user: server.user, password }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toContain(`${host}:${port}`);
    expect(message).toMatch(/Access denied/);
    expect(message).not.toContain(password);
  });

  it("names the database the user may not use", async () => {
    const error = await openMysqlConfigStore({
      url: urlOf("not_granted"),
      user: server.user,
      password: server.password,
    }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(new RegExp(`${host}:${port}/not_granted: .*denied`));
  });

  it("works on a table whose doc column is JSON (the driver hands back parsed objects)", async () => {
    await admin((sql) =>
      sql(
        `CREATE TABLE ${JSON_COLUMN_DATABASE}.tracardi_config (kind VARBINARY(64), id VARBINARY(1024), doc JSON NOT NULL, PRIMARY KEY (kind, id))`,
      ),
    );
    const opened = await openMysqlConfigStore({
      url: urlOf(JSON_COLUMN_DATABASE),
      user: server.user,
      password: server.password,
    });
    try {
      const rule = {
        id: "r1",
        name: "Regel ✓",
        source: { id: "web" },
        event_type: { id: "purchase" },
        flow: { id: "f1" },
        enabled: true,
      };
      await opened.store.rules.put(rule);
      expect(await opened.store.rules.get("r1")).toEqual(rule);
      expect(await opened.store.rules.list()).toEqual([rule]);
      // The premise: for this column the driver returns an object, not text.
      const [rows] = (await admin((sql) =>
        sql(`SELECT doc FROM ${JSON_COLUMN_DATABASE}.tracardi_config`),
      )) as [{ doc: unknown }[]];
      expect(rows[0]?.doc).toEqual(rule);
    } finally {
      await opened.close();
    }
  });
});

async function unusedPort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once("error", fail);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === "object" && address ? done(address.port) : fail(new Error("no port")),
      );
    });
  });
}
