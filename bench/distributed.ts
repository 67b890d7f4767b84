import { type ChildProcess, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { DIST, startServer, trackerPayload } from "./lib.js";

/**
 * Processing throughput of the production topology on real servers: two public APIs, the private
 * API, 1, 2 and 3 collector workers (a fresh deployment each) and a background worker as separate
 * processes over Pulsar, MariaDB and OpenSearch (started with infra/*.sh). Events are sent 50 per
 * request, 10 requests at a time, spread over both APIs; the clock stops when every event is in
 * OpenSearch. The collectors' CPU time (user + system, from /proc) is divided by the events.
 *
 *   node dist/bench/distributed.js [events]     (default 20000)
 */
const ROOT = resolve(DIST, "..");
const TOKEN = { authorization: "Bearer bench", "content-type": "application/json" };

interface Info {
  startedNow: boolean;
  [key: string]: unknown;
}

function infra(name: string, command: "start" | "stop"): Info | null {
  const out = execFileSync("bash", [join(ROOT, "infra", `${name}.sh`), command], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  return command === "start" ? (JSON.parse(out.trim().split("\n").at(-1) ?? "") as Info) : null;
}

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  // utime and stime are fields 14 and 15 of stat; after "pid (comm) " they are the 12th and 13th.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

interface Round {
  collectors: number;
  accepted: number;
  stored: number;
  collectorCpu: number;
}

type Servers = Record<"pulsar" | "mariadb" | "opensearch", Info | null>;

async function main(events: number): Promise<void> {
  const servers: Servers = {
    pulsar: infra("pulsar", "start"),
    mariadb: infra("mariadb", "start"),
    opensearch: infra("opensearch", "start"),
  };
  const rounds: Round[] = [];
  try {
    for (const collectors of [1, 2, 3]) rounds.push(await round(servers, events, collectors));
  } finally {
    for (const [name, info] of Object.entries(servers)) if (info?.startedNow) infra(name, "stop");
  }
  process.stdout.write(
    `\n## Processing over Pulsar, MariaDB and OpenSearch (2 public APIs, N collector workers, a background worker)\n\n` +
      "| collectors | events | accepted after s | stored after s | events/s (end to end) | collector CPU ms per event |\n|---|---|---|---|---|---|\n" +
      rounds
        .map(
          (r) =>
            `| ${r.collectors} | ${events} | ${r.accepted.toFixed(2)} | ${r.stored.toFixed(2)} | ${Math.round(events / r.stored)} | ${((r.collectorCpu * 1000) / events).toFixed(3)} |`,
        )
        .join("\n") +
      "\n",
  );
}

async function round(servers: Servers, events: number, collectors: number): Promise<Round> {
  const run = `bench${Date.now().toString(36)}`;
  const mysqlUrl = new URL(String(servers.mariadb?.url));
  const database = `tracardi_${run}`;
  const mysql = (statement: string) =>
    execFileSync("mariadb", [
      "--no-defaults",
      `--host=${mysqlUrl.hostname}`,
      `--port=${mysqlUrl.port}`,
      `--user=${servers.mariadb?.user}`,
      `--password=${servers.mariadb?.password}`,
      "-e",
      statement,
    ]);
  mysql(`CREATE DATABASE ${database}`);
  const env = {
    TRACARDI_HOST: "127.0.0.1",
    TRACARDI_ADMIN_TOKEN: "bench",
    TRACARDI_QUEUE: "pulsar",
    TRACARDI_PULSAR_URL: String(servers.pulsar?.serviceUrl),
    TRACARDI_PULSAR_WEB_URL: String(servers.pulsar?.webUrl),
    TRACARDI_PULSAR_TOPIC_PREFIX: `${run}-`,
    TRACARDI_MYSQL_URL: `mysql://${mysqlUrl.host}/${database}`,
    TRACARDI_MYSQL_USER: String(servers.mariadb?.user),
    TRACARDI_MYSQL_PASSWORD: String(servers.mariadb?.password),
    TRACARDI_STORE: "opensearch",
    TRACARDI_SEARCH_URL: String(servers.opensearch?.url),
    TRACARDI_SEARCH_INDEX_PREFIX: `${run}-`,
    TRACARDI_PROCESS_INLINE: "false",
    TRACARDI_MERGE_INTERVAL_MS: "0",
  };
  const dataDirs: string[] = [];
  const children: ChildProcess[] = [];
  const launch = async (args: string[], port: number, readyPath: string) => {
    const dataDir = mkdtempSync(join(tmpdir(), "tracardi-bench-dist-"));
    dataDirs.push(dataDir);
    const portEnv = {
      TRACARDI_PUBLIC_PORT: String(port),
      TRACARDI_PRIVATE_PORT: String(port),
      TRACARDI_HEALTH_PORT: String(port),
      TRACARDI_DATA_DIR: dataDir,
    };
    children.push(
      await startServer(
        join(DIST, "runtime/cli.js"),
        args,
        { ...env, ...portEnv },
        `http://127.0.0.1:${port}${readyPath}`,
      ),
    );
  };
  try {
    await launch(["api", "--role", "private"], 8760, "/healthz");
    await launch(["api", "--role", "public"], 8761, "/healthz");
    await launch(["api", "--role", "public"], 8762, "/healthz");
    await launch(["worker", "background"], 8764, "/healthz");
    const collectorPids: (number | undefined)[] = [];
    for (let n = 0; n < collectors; n++) {
      await launch(["worker", "collector"], 8770 + n, "/healthz");
      collectorPids.push(children.at(-1)?.pid);
    }
    const collectorsCpu = () => collectorPids.map(cpuSeconds).reduce((a, b) => a + b, 0);
    const cpuBefore = collectorsCpu();
    const privateUrl = "http://127.0.0.1:8760";
    const created = await fetch(`${privateUrl}/api/v1/event-sources`, {
      method: "POST",
      headers: TOKEN,
      body: JSON.stringify({ id: "bench", name: "bench", type: "rest" }),
    });
    if (created.status !== 201) throw new Error(`source not created: ${created.status}`);

    const started = performance.now();
    const requests = events / 50;
    let next = 0;
    const sender = async () => {
      while (next < requests) {
        const i = next++;
        const res = await fetch(`http://127.0.0.1:${i % 2 === 0 ? 8761 : 8762}/track`, {
          method: "POST",
          headers: { "content-type": "application/json", "user-agent": "Mozilla/5.0 Chrome/120" },
          body: trackerPayload("bench", `dist-session-${i % 200}`, 50),
        });
        if (res.status !== 200) throw new Error(`track: ${res.status} ${await res.text()}`);
        await res.arrayBuffer();
      }
    };
    await Promise.all(Array.from({ length: 10 }, sender));
    const accepted = (performance.now() - started) / 1000;
    for (;;) {
      const res = await fetch(`${privateUrl}/api/v1/events?type=page-view&limit=1`, { headers: TOKEN });
      const { total } = (await res.json()) as { total: number };
      if (total >= events) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const stored = (performance.now() - started) / 1000;
    const collectorCpu = collectorsCpu() - cpuBefore;
    process.stderr.write(`${collectors} collector(s): ${Math.round(events / stored)} events/s\n`);
    return { collectors, accepted, stored, collectorCpu };
  } finally {
    for (const child of children) child.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 1000));
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
    for (const kind of ["profile", "session", "event"])
      await fetch(`${String(servers.opensearch?.url)}/${run}-tracardi-${kind}`, { method: "DELETE" }).catch(
        () => {},
      );
    mysql(`DROP DATABASE IF EXISTS ${database}`);
  }
}

await main(Number(process.argv[2] ?? process.env.BENCH_EVENTS ?? 20_000));
