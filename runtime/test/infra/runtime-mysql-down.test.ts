import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, RuntimeProcess } from "../harness.js";
import { FaultyProxy } from "./faulty-proxy.js";
import { ensureServer, type MariaDbInfo, onMariaDb } from "./servers.js";

// Issue 10, case 8: MySQL refusing or not answering makes /track answer 503 with Retry-After (within
// TRACARDI_MYSQL_TIMEOUT_MS), and 200 again once it is back. The fault is real: the runtime reaches the
// shared MariaDB through a TCP proxy of this test, which refuses connections or stops forwarding.

let server: MariaDbInfo;
let proxy: FaultyProxy;
let rt: RuntimeProcess;
const DATABASE = `tracardi_down_${randomBytes(6).toString("hex")}`;
const sql = (statement: string) => onMariaDb(server, (run) => run(statement));

beforeAll(async () => {
  server = await ensureServer<MariaDbInfo>("mariadb");
  await sql(`CREATE DATABASE \`${DATABASE}\``);
  const target = new URL(server.url);
  proxy = new FaultyProxy(target.hostname, Number(target.port));
  await proxy.listen();
  rt = await RuntimeProcess.start({
    TRACARDI_MYSQL_URL: `mysql://127.0.0.1:${proxy.port}/${DATABASE}`,
    TRACARDI_MYSQL_USER: server.user,
    TRACARDI_MYSQL_PASSWORD: server.password,
    TRACARDI_MYSQL_TIMEOUT_MS: "1000",
    // Sources stay cached (known and unknown) for the whole test: only identities need MySQL.
    TRACARDI_SOURCE_CACHE_TTL_MS: "600000",
  });
  await rt.createSource("down-site");
}, 10 * 60_000);

afterAll(async () => {
  await rt?.stop();
  await proxy?.close();
  if (server) await sql(`DROP DATABASE IF EXISTS \`${DATABASE}\``);
});

/** A request MySQL must answer: a new session is claimed in the identity tables. */
const newVisit = () =>
  rt.track<{ detail: string }>({
    source: { id: "down-site" },
    session: { id: randomBytes(8).toString("hex") },
    events: [{ type: "page-view" }],
  });

function expectUnavailable(res: { status: number; headers: Headers; body: { detail: string } }) {
  expect(res.status).toBe(503);
  expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
  expect(res.body.detail).toMatch(/^Not accepted, try again later: MySQL at 127\.0\.0\.1:\d+\//);
  // Where and what, never the credentials (the database name may share letters with the password).
  expect(res.body.detail.replace(DATABASE, "")).not.toContain(server.password);
}

describe("/track with MySQL out of reach", () => {
  it("answers 503 with Retry-After while MySQL refuses connections, and 200 once it is back", async () => {
    expect((await newVisit()).status).toBe(200);
    await proxy.refuse();
    try {
      expectUnavailable(await newVisit());
    } finally {
      await proxy.listen();
    }
    await eventually(async () => expect((await newVisit()).status).toBe(200), 20_000);
  });

  it("answers 503 within the query timeout while MySQL does not answer, and 200 once it answers again", async () => {
    expect((await newVisit()).status).toBe(200);
    proxy.hang();
    try {
      const [first, second] = await Promise.all([newVisit(), newVisit()]);
      expectUnavailable(first);
      expectUnavailable(second);
    } finally {
      proxy.resume();
    }
    await eventually(async () => expect((await newVisit()).status).toBe(200), 20_000);
  });

  it("refuses an unknown source with 401 and remembers it: while MySQL is down it still answers 401", async () => {
    const unknown = { source: { id: "no-such-site" }, events: [{ type: "page-view" }] };
    const first = await rt.track<{ detail: string }>(unknown);
    expect(first.status).toBe(401);
    expect(first.body.detail).toContain("no-such-site");
    await proxy.refuse();
    try {
      expectUnavailable(await newVisit());
      const cached = await rt.track<{ detail: string }>(unknown);
      expect(cached.status).toBe(401);
      expect(cached.body.detail).toContain("no-such-site");
    } finally {
      await proxy.listen();
    }
    await eventually(async () => expect((await newVisit()).status).toBe(200), 20_000);
  });
});
