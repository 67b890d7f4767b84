import { type ChildProcess, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { DIST, listenerPid, processCpuSeconds, startServer, trackerPayload } from "./lib.js";

/**
 * Processing throughput of the production topology on real servers: two public APIs, the private
 * API, 1, 2 and 3 collector workers (a fresh deployment each) and a background worker as separate
 * processes over Pulsar, MariaDB and OpenSearch (started with infra/*.sh). Events are sent 50 per
 * request, 10 requests at a time, spread over both APIs; the clock stops when every event is in
 * OpenSearch. Each process's CPU time (user + system, from /proc: the Node processes by role, the
 * Pulsar broker, OpenSearch and mariadbd found by the port they listen on) is divided by the events,
 * so rows compare on a loaded machine where events/s does not; the servers are shared, so their
 * rate in the seconds before the round (BENCH_IDLE_MS, 5000) is subtracted: what is left is this
 * round's work, give or take what else changed on them meanwhile. Requests per event: Pulsar messages in
 * and out of the round's topics (admin stats), documents indexed and refreshes of the round's
 * indices, OpenSearch write tasks and MySQL statements and commits (server-wide counters).
 *
 *   node dist/bench/distributed.js [events]     (default 20000; BENCH_COLLECTORS=1 for one round)
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

/** CPU seconds (user + system) a process has used so far; 0 for a process not found. */
const cpuSeconds = (pid: number | undefined): number => (pid === undefined ? 0 : processCpuSeconds(pid));

/** CPU seconds per role; the Node roles sum their processes. */
type Cpu = Record<string, number>;

interface Counters {
  pulsarIn: number;
  pulsarOut: number;
  docsIndexed: number;
  refreshes: number;
  writeTasks: number;
  questions: number;
  commits: number;
}

interface Round {
  collectors: number;
  accepted: number;
  stored: number;
  collectorCpu: number;
  cpu: Cpu;
  counters: Counters;
}

const IDLE_SECONDS = Number(process.env.BENCH_IDLE_MS ?? 5000) / 1000;

/** Collector workers per round: BENCH_COLLECTORS=1 runs one round. */
const COLLECTORS = (process.env.BENCH_COLLECTORS ?? "1,2,3").split(",").map(Number);

const SERVERS = ["pulsar", "opensearch", "mariadbd"];

const PROCESS_ORDER = [
  "public APIs",
  "private API",
  "collectors",
  "background",
  "pulsar",
  "opensearch",
  "mariadbd",
];

type Servers = Record<"pulsar" | "mariadb" | "opensearch", Info | null>;

async function main(events: number): Promise<void> {
  const servers: Servers = {
    pulsar: infra("pulsar", "start"),
    mariadb: infra("mariadb", "start"),
    opensearch: infra("opensearch", "start"),
  };
  const rounds: Round[] = [];
  try {
    for (const collectors of COLLECTORS) rounds.push(await round(servers, events, collectors));
  } finally {
    for (const [name, info] of Object.entries(servers)) if (info?.startedNow) infra(name, "stop");
  }
  const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  process.stdout.write(
    `\n## Processing over Pulsar, MariaDB and OpenSearch (2 public APIs, N collector workers, a background worker)\n\n` +
      "| collectors | events | accepted after s | stored after s | events/s (end to end) | collector CPU ms per event |\n|---|---|---|---|---|---|\n" +
      rounds
        .map(
          (r) =>
            `| ${r.collectors} | ${events} | ${r.accepted.toFixed(2)} | ${r.stored.toFixed(2)} | ${Math.round(events / r.stored)} | ${((r.collectorCpu * 1000) / events).toFixed(3)} |`,
        )
        .join("\n") +
      `\n\nCPU ms per 1,000 events by process (servers: above their rate in the ${IDLE_SECONDS} s before the round)\n\n` +
      `| collectors | ${PROCESS_ORDER.join(" | ")} | Node total | servers total |\n|---|${PROCESS_ORDER.map(() => "---|").join("")}---|---|\n` +
      rounds
        .map((r) => {
          const per1k = (seconds: number) => ((seconds * 1_000_000) / events).toFixed(0);
          const node = ["public APIs", "private API", "collectors", "background"];
          const sum = (names: string[]) => names.reduce((a, n) => a + (r.cpu[n] ?? 0), 0);
          return `| ${r.collectors} | ${PROCESS_ORDER.map((n) => per1k(r.cpu[n] ?? 0)).join(" | ")} | ${per1k(sum(node))} | ${per1k(sum(["pulsar", "opensearch", "mariadbd"]))} |`;
        })
        .join("\n") +
      "\n\nRequests per 1,000 events\n\n" +
      "| collectors | Pulsar msgs in | Pulsar msgs out | docs indexed | index refreshes | OpenSearch write tasks (server-wide) | MySQL statements (server-wide) | MySQL commits (server-wide) |\n|---|---|---|---|---|---|---|---|\n" +
      rounds
        .map((r) => {
          const c = r.counters;
          const per1k = (n: number) => ((n * 1000) / events).toFixed(1);
          return `| ${r.collectors} | ${[c.pulsarIn, c.pulsarOut, c.docsIndexed, c.refreshes, c.writeTasks, c.questions, c.commits].map(per1k).join(" | ")} |`;
        })
        .join("\n") +
      `\n\nload average at the end: ${load}\n`,
  );
}

async function round(servers: Servers, events: number, collectors: number): Promise<Round> {
  const run = `bench${Date.now().toString(36)}`;
  const mysqlUrl = new URL(String(servers.mariadb?.url));
  const database = `tracardi_${run}`;
  const mysql = (statement: string) =>
    execFileSync("mariadb", [
      "--no-defaults",
      "--batch",
      "--skip-column-names",
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
    ...(process.env.TRACARDI_SEARCH_REFRESH
      ? { TRACARDI_SEARCH_REFRESH: process.env.TRACARDI_SEARCH_REFRESH }
      : {}),
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
    const pids: Record<string, (number | undefined)[]> = {
      "private API": [children[0]?.pid],
      "public APIs": [children[1]?.pid, children[2]?.pid],
      background: [children[3]?.pid],
      collectors: collectorPids,
      pulsar: [listenerPid(Number(new URL(String(servers.pulsar?.webUrl)).port))],
      opensearch: [listenerPid(Number(new URL(String(servers.opensearch?.url)).port))],
      mariadbd: [listenerPid(Number(mysqlUrl.port))],
    };
    const cpuNow = (): Cpu =>
      Object.fromEntries(
        Object.entries(pids).map(([name, list]) => [name, list.map(cpuSeconds).reduce((a, b) => a + b, 0)]),
      );
    const searchUrl = String(servers.opensearch?.url);
    const webUrl = String(servers.pulsar?.webUrl);
    const counters = async (): Promise<Counters> => {
      const status = (name: string) =>
        Number(mysql(`SHOW GLOBAL STATUS LIKE '${name}'`).toString().trim().split(/\s+/)[1] ?? 0);
      const questions = status("Questions");
      const commits = status("Com_commit");
      const indices = (await (
        await fetch(`${searchUrl}/${run}-*/_stats/indexing,refresh?filter_path=_all.primaries`)
      ).json()) as {
        _all?: { primaries?: { indexing?: { index_total?: number }; refresh?: { total?: number } } };
      };
      const nodes = (await (
        await fetch(`${searchUrl}/_nodes/stats/thread_pool?filter_path=nodes.*.thread_pool.write.completed`)
      ).json()) as {
        nodes?: Record<string, { thread_pool: { write: { completed: number } } }>;
      };
      const topics = (
        (await (await fetch(`${webUrl}/admin/v2/persistent/public/default`)).json()) as string[]
      ).filter((t) => t.includes(`/${run}-`));
      let pulsarIn = 0;
      let pulsarOut = 0;
      for (const topic of topics) {
        const stats = (await (
          await fetch(`${webUrl}/admin/v2/${topic.replace("://", "/")}/stats`)
        ).json()) as { msgInCounter?: number; msgOutCounter?: number };
        pulsarIn += stats.msgInCounter ?? 0;
        pulsarOut += stats.msgOutCounter ?? 0;
      }
      return {
        pulsarIn,
        pulsarOut,
        docsIndexed: indices._all?.primaries?.indexing?.index_total ?? 0,
        refreshes: indices._all?.primaries?.refresh?.total ?? 0,
        writeTasks: Object.values(nodes.nodes ?? {}).reduce((a, n) => a + n.thread_pool.write.completed, 0),
        questions,
        commits,
      };
    };
    // What the shared servers use without this round (other work on them, their own timers), per
    // second, measured just before it: subtracted from their figures below.
    const IDLE_MS = IDLE_SECONDS * 1000;
    const idleStart = cpuNow();
    await new Promise((r) => setTimeout(r, IDLE_MS));
    const idleEnd = cpuNow();
    const idlePerSecond = (name: string) =>
      SERVERS.includes(name) ? ((idleEnd[name] ?? 0) - (idleStart[name] ?? 0)) / (IDLE_MS / 1000) : 0;
    const countersBefore = await counters();
    const cpuBefore = cpuNow();
    const cpuStarted = performance.now();
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
    const cpuAfter = cpuNow();
    const roundSeconds = (performance.now() - cpuStarted) / 1000;
    const countersAfter = await counters();
    const cpu = Object.fromEntries(
      Object.entries(cpuAfter).map(([name, seconds]) => [
        name,
        seconds - (cpuBefore[name] ?? 0) - idlePerSecond(name) * roundSeconds,
      ]),
    );
    const counted = Object.fromEntries(
      Object.entries(countersAfter).map(([name, n]) => [name, n - countersBefore[name as keyof Counters]]),
    ) as unknown as Counters;
    process.stderr.write(
      `${collectors} collector(s): ${Math.round(events / stored)} events/s; CPU ms/1k events ${JSON.stringify(Object.fromEntries(Object.entries(cpu).map(([n, s]) => [n, Math.round((s * 1e6) / events)])))}; ${JSON.stringify(counted)}\n`,
    );
    return { collectors, accepted, stored, collectorCpu: cpu.collectors ?? 0, cpu, counters: counted };
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
