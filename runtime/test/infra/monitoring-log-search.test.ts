import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import { afterAll, beforeAll, expect, it } from "vitest";
import { eventually, RuntimeProcess } from "../harness.js";
import {
  type LogPage,
  logsEventually,
  orderDestination,
  refusingReceiver,
  trackOrder,
} from "../monitoring-rig.js";
import { FaultyProxy } from "./faulty-proxy.js";
import { ensureServer, type MariaDbInfo, onMariaDb, type ServerInfo } from "./servers.js";

// Issue 15: with the data in OpenSearch, the monitoring log is an index every process writes to, so
// the private API lists what another process recorded.
interface SearchInfo extends ServerInfo {
  url: string;
}

const PREFIX = `log${randomBytes(5).toString("hex")}-`;
let server: SearchInfo;
let receiver: Server;
const running: RuntimeProcess[] = [];

beforeAll(async () => {
  server = await ensureServer<SearchInfo>("opensearch");
  receiver = (await refusingReceiver()).server;
}, 15 * 60_000);

afterAll(async () => {
  await Promise.all(running.map((r) => r.stop()));
  receiver?.close();
  if (!server) return;
  for (const kind of ["profile", "session", "event", "log"]) {
    await fetch(`${server.url}/${PREFIX}tracardi-${kind}`, { method: "DELETE" });
  }
});

it("lists at one process's private API what another process recorded", async () => {
  const env = {
    TRACARDI_STORE: "opensearch",
    TRACARDI_SEARCH_URL: server.url,
    TRACARDI_SEARCH_INDEX_PREFIX: PREFIX,
  };
  const address = receiver.address();
  const url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/orders`;
  const worker = await RuntimeProcess.start({ ...env, TRACARDI_HTTP_ALLOW_PRIVATE: "true" });
  running.push(worker);
  const reader = RuntimeProcess.create(env);
  running.push(reader);
  await reader.launch(["api", "--role", "private"]);

  await orderDestination(worker, url);
  await trackOrder(worker, 1);
  const page = await logsEventually(reader, "kind=dead-letter");
  expect(page.total).toBe(1);
  expect(page.result[0]).toMatchObject({
    level: "warning",
    kind: "dead-letter",
    details: { stage: "dispatch", topic: "dispatch", attempts: 1 },
  });
  expect(page.result[0]?.process).toMatch(/ standalone \(processing thread\)$/);
  const index = await (await fetch(`${server.url}/${PREFIX}tracardi-log/_count`)).json();
  expect(index).toMatchObject({ count: 1 });
});

it("records MySQL going away and coming back while MySQL is away (the log is in OpenSearch)", async () => {
  const mysql = await ensureServer<MariaDbInfo>("mariadb");
  const database = `tracardi_log_${randomBytes(6).toString("hex")}`;
  await onMariaDb(mysql, (sql) => sql(`CREATE DATABASE \`${database}\``));
  const target = new URL(mysql.url);
  const proxy = new FaultyProxy(target.hostname, Number(target.port));
  await proxy.listen();
  try {
    const rt = RuntimeProcess.create({
      TRACARDI_STORE: "opensearch",
      TRACARDI_SEARCH_URL: server.url,
      TRACARDI_SEARCH_INDEX_PREFIX: PREFIX,
      TRACARDI_MYSQL_URL: `mysql://127.0.0.1:${proxy.port}/${database}`,
      TRACARDI_MYSQL_USER: mysql.user,
      TRACARDI_MYSQL_PASSWORD: mysql.password,
      TRACARDI_MYSQL_TIMEOUT_MS: "1000",
      TRACARDI_BACKEND_CHECK_MS: "300",
    });
    running.push(rt);
    await rt.launch(["api", "--role", "private"]);
    const backend = `kind=backend&since=${new Date().toISOString()}`;
    await proxy.refuse();
    // Read while MySQL is still away: the entry was written to OpenSearch, not kept for later.
    const down = await logsEventually(rt, `${backend}&level=error`);
    expect(down.result[0]?.message).toMatch(/^MySQL at 127\.0\.0\.1:\d+\/.* does not answer/);
    expect(down.result[0]?.details).toEqual({ state: "problem" });
    // Where and what, never the credentials (the database name may share letters with the password).
    expect(down.result[0]?.message.replace(database, "")).not.toContain(mysql.password);
    await proxy.listen();
    const up = await logsEventually(rt, `${backend}&level=info`);
    expect(up.result[0]?.message).toBe(`recovered: ${down.result[0]?.message}`);
    // One problem and one recovery, however many checks ran meanwhile.
    await eventually(async () => {
      const all = await rt.admin<LogPage>("GET", `/api/v1/logs?${backend}`);
      expect(all.body.total).toBe(2);
    });
  } finally {
    await proxy.close();
    await onMariaDb(mysql, (sql) => sql(`DROP DATABASE IF EXISTS \`${database}\``));
  }
});
