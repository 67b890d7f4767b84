import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RuntimeProcess } from "../harness.js";
import { ensureServer, infra, type MariaDbInfo, onMariaDb } from "./servers.js";

// The runtime process with its configuration in MariaDB (TRACARDI_MYSQL_URL), as the operator runs it.
let server: MariaDbInfo;
const DATABASE = `tracardi_rt_${randomBytes(6).toString("hex")}`;
const running: RuntimeProcess[] = [];

const sql = (statement: string) => onMariaDb(server, (run) => run(statement));

function mysqlEnv(overrides: Record<string, string> = {}): Record<string, string> {
  const url = new URL(server.url);
  return {
    TRACARDI_MYSQL_URL: `mysql://${url.host}/${DATABASE}`,
    TRACARDI_MYSQL_USER: server.user,
    TRACARDI_MYSQL_PASSWORD: server.password,
    ...overrides,
  };
}

async function start(env: Record<string, string>): Promise<RuntimeProcess> {
  const runtime = await RuntimeProcess.start(env);
  running.push(runtime);
  return runtime;
}

beforeAll(async () => {
  server = await ensureServer<MariaDbInfo>("mariadb");
  await sql(`CREATE DATABASE \`${DATABASE}\``);
}, 10 * 60_000);

afterAll(async () => {
  await Promise.all(running.map((r) => r.stop()));
  if (server) await sql(`DROP DATABASE IF EXISTS \`${DATABASE}\``);
});

describe("runtime with its configuration in MySQL", () => {
  it("keeps event sources in MySQL: a second runtime with an empty data dir accepts their traffic", async () => {
    const first = await start(mysqlEnv());
    await first.createSource("mysql-site");
    const tracked = await first.track({
      source: { id: "mysql-site" },
      session: { id: randomBytes(8).toString("hex") },
      events: [{ type: "page-view" }],
    });
    expect(tracked.status).toBe(200);
    await first.stop();

    const second = await start(mysqlEnv());
    const source = await second.admin<{ id: string; enabled: boolean }>(
      "GET",
      "/api/v1/event-sources/mysql-site",
    );
    expect(source.status).toBe(200);
    expect(source.body).toMatchObject({ id: "mysql-site", enabled: true });
    const again = await second.track({
      source: { id: "mysql-site" },
      session: { id: randomBytes(8).toString("hex") },
      events: [{ type: "page-view" }],
    });
    expect(again.status).toBe(200);
    // Unknown to MySQL: still refused.
    expect((await second.track({ source: { id: "nowhere" }, events: [{ type: "x" }] })).status).toBe(401);
  });

  it("gives a new session one profile even when its first requests reach two runtimes at once", async () => {
    const [a, b] = await Promise.all([start(mysqlEnv()), start(mysqlEnv())]);
    await a.createSource("race-site");
    const sessions = Array.from({ length: 25 }, () => randomBytes(8).toString("hex"));
    const answers = await Promise.all(
      sessions.flatMap((session) =>
        [a, b, a, b].map(async (runtime) => {
          const res = await runtime.track({
            source: { id: "race-site" },
            session: { id: session },
            events: [{ type: "page-view" }],
          });
          expect(res.status).toBe(200);
          return { session, profile: res.body.profile?.id };
        }),
      ),
    );
    for (const session of sessions) {
      const profiles = new Set(answers.filter((x) => x.session === session).map((x) => x.profile));
      expect(profiles.size, `session ${session}`).toBe(1);
    }
    // A known session keeps its profile on either runtime later, too.
    const later = await b.track({
      source: { id: "race-site" },
      session: { id: sessions[0] as string },
      events: [{ type: "x" }],
    });
    expect(later.body.profile?.id).toBe(answers.find((x) => x.session === sessions[0])?.profile);
  });

  it("is not ready while MySQL is down, says which server, and recovers when it is back", async () => {
    const runtime = await start(mysqlEnv({ TRACARDI_BACKEND_CHECK_MS: "300" }));
    expect((await fetch(`${runtime.publicUrl}/readyz`)).status).toBe(200);
    await infra("mariadb", "stop");
    try {
      await new Promise((r) => setTimeout(r, 2100)); // readiness checks are cached for 2 s
      const down = await fetch(`${runtime.publicUrl}/readyz`);
      expect(down.status).toBe(503);
      expect(((await down.json()) as { reason: string }).reason).toContain(
        `MySQL at ${new URL(server.url).host}/${DATABASE}`,
      );
      const status = await runtime.admin<{ backends: { config: string; problems: string[] } }>(
        "GET",
        "/api/v1/status",
      );
      expect(status.body.backends.config).toBe("mysql");
      expect(status.body.backends.problems.join()).toContain("does not answer");
    } finally {
      await infra("mariadb", "start");
    }
    await new Promise((r) => setTimeout(r, 2100));
    expect((await fetch(`${runtime.publicUrl}/readyz`)).status).toBe(200);
    // The log says it too, once when the problem appears and once when it clears.
    const where = `MySQL at ${new URL(server.url).host}/${DATABASE}`;
    expect(runtime.logs.match(new RegExp(`backend problem: ${where}`, "g"))?.length).toBe(1);
    expect(runtime.logs).toContain(`backend recovered: ${where}`);
  });

  it("does not start when MySQL refuses it, and says where without showing the password", async () => {
    const password = `wrong-${randomBytes(6).toString("hex")}`;
    const failure = await start(mysqlEnv({ TRACARDI_MYSQL_PASSWORD: password })).then(
      () => null,
      (error: Error) => error.message,
    );
    expect(failure).toMatch(/runtime exited with 1/);
    expect(failure).toContain(new URL(server.url).host);
    expect(failure).toMatch(/Access denied/);
    expect(failure).not.toContain(password);
  });
});
