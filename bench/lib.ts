import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import autocannon from "autocannon";

export const DIST = resolve(import.meta.dirname, "..");

export interface Measurement {
  name: string;
  eventsPerRequest: number;
  requestsPerSecond: number;
  eventsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

export interface Server {
  url: string;
  dataDir: string;
  /** CPU time the server process has used so far (user + system, all threads), in seconds; NaN where /proc is missing. */
  cpuSeconds(): number;
  stop(options?: { keepData: boolean }): Promise<void>;
}

/** Starts a Node script as a child process and waits until `readyUrl` answers. */
export async function startServer(
  script: string,
  args: string[],
  env: Record<string, string>,
  readyUrl: string,
): Promise<ChildProcess> {
  const child = spawn(process.execPath, [script, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(readyUrl, {
        method: readyUrl.endsWith("/track") ? "POST" : "GET",
        body: readyUrl.endsWith("/track") ? "{}" : undefined,
        headers: { "content-type": "application/json" },
      });
      if (res.status < 500) return child;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill("SIGKILL");
  throw new Error(`${script} did not start`);
}

export async function startRuntime(
  args: string[],
  port: number,
  extraEnv: Record<string, string> = {},
): Promise<Server> {
  // A runtime given another's data dir takes it over: stopping this one removes it.
  const dataDir = extraEnv.TRACARDI_DATA_DIR ?? mkdtempSync(join(tmpdir(), "tracardi-bench-"));
  const env = {
    TRACARDI_HOST: "127.0.0.1",
    TRACARDI_PUBLIC_PORT: String(port),
    TRACARDI_PRIVATE_PORT: String(port + 1),
    TRACARDI_HEALTH_PORT: String(port + 2),
    // No console: benches measure the pipeline (and several run at once).
    TRACARDI_GUI_PORT: "0",
    TRACARDI_DATA_DIR: dataDir,
    TRACARDI_ADMIN_TOKEN: "bench",
    ...extraEnv,
  };
  const child = await startServer(
    join(DIST, "runtime/cli.js"),
    args,
    env,
    `http://127.0.0.1:${port}/healthz`,
  );
  return {
    url: `http://127.0.0.1:${port}`,
    dataDir,
    cpuSeconds: () => processCpuSeconds(child.pid),
    stop: async (options = { keepData: false }) => {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
      if (!options.keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** utime + stime of a Linux process from /proc (clock ticks of 1/100 s), in seconds; NaN when unknown. */
export function processCpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** The pid of the server process listening on a local port (not a socat forwarder), from `ss`. */
export function listenerPid(port: number): number | undefined {
  const out = execFileSync("ss", ["-Hltnp", `sport = :${port}`], { encoding: "utf8" });
  for (const match of out.matchAll(/\("([^"]+)",pid=(\d+)/g))
    if (match[1] !== "socat") return Number(match[2]);
  return undefined;
}

/** A tracker payload without a session id or profile: the runtime makes a new visitor of it. */
export function newVisitorPayload(source: string, events: number): string {
  const payload = JSON.parse(trackerPayload(source, "", events)) as Record<string, unknown>;
  delete payload.session;
  return JSON.stringify(payload);
}

export function trackerPayload(source: string, session: string, events: number): string {
  return JSON.stringify({
    source: { id: source },
    session: { id: session },
    context: {
      browser: {
        local: { browser: { userAgent: "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0", language: "en" } },
      },
      page: { url: "https://shop.example/p/1", title: "Product 1" },
    },
    events: Array.from({ length: events }, (_, i) => ({
      type: "page-view",
      properties: { category: "bench", n: i },
    })),
  });
}

/**
 * autocannon with 50 connections; each connection keeps its own session (one returning visitor per
 * connection), or with `newVisitors` every request comes without a session id (a new profile and
 * session each, with their system events).
 */
export async function measure(
  name: string,
  url: string,
  eventsPerRequest: number,
  seconds: number,
  source = "bench",
  newVisitors = false,
): Promise<Measurement> {
  const bodies = Array.from({ length: 50 }, (_, i) =>
    newVisitors
      ? newVisitorPayload(source, eventsPerRequest)
      : trackerPayload(source, `bench-session-${name}-${i}`, eventsPerRequest),
  );
  let next = 0;
  const result = await autocannon({
    url: `${url}/track`,
    method: "POST",
    connections: 50,
    duration: seconds,
    headers: {
      "content-type": "application/json",
      "user-agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0",
    },
    requests: [{ setupRequest: (req) => ({ ...req, body: bodies[next++ % bodies.length] }) }],
  });
  return {
    name,
    eventsPerRequest,
    requestsPerSecond: Math.round(result.requests.average),
    eventsPerSecond: Math.round(result.requests.average * eventsPerRequest),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

export function table(rows: Measurement[]): string {
  const header =
    "| Server | events/request | requests/s | events/s | p50 ms | p99 ms | errors | non-2xx |\n|---|---|---|---|---|---|---|---|";
  return [
    header,
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.eventsPerRequest} | ${r.requestsPerSecond} | ${r.eventsPerSecond} | ${r.p50} | ${r.p99} | ${r.errors} | ${r.non2xx} |`,
    ),
  ].join("\n");
}
