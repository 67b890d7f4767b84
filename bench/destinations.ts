import { execFileSync } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { join } from "node:path";
import { DIST, startRuntime } from "./lib.js";

/**
 * Whether a bad destination only delays itself: a standalone runtime delivers events to a healthy
 * local webhook receiver, alone and beside destinations that answer 500, refuse connections or hang.
 * Every event goes to each destination of the setting. Events are sent at a steady rate, one per
 * request (each its own profile): first for `warmupSeconds` (not measured; the bad destinations'
 * retries and hanging calls pile up meanwhile), then for `seconds`, measured. A delivery's latency
 * runs from the /track 200 to the healthy receiver's receipt. `BENCH_QUEUE=pulsar` runs the same
 * over the Pulsar queue from infra/pulsar.sh.
 */
export interface DestinationRow {
  queue: string;
  /** 1, 2, …: the round this row was measured in. */
  round: number;
  setting: string;
  sent: number;
  delivered: number;
  p50: number;
  p99: number;
  max: number;
  /** Dispatch handler outcomes over the whole run (from /metrics): how much work the bad destinations made. */
  outcomes: Record<string, number>;
  /** CPU time the runtime process used over the whole run, in seconds: the same, whatever the machine's load. */
  cpuSeconds: number;
  /** /track requests not answered 200 (a loaded machine's queue refused them): not measured. */
  refused: number;
  /** Every measured latency, sorted (Infinity: not delivered): for the rows over all rounds. */
  latencies: number[];
}

export interface DestinationBenchOptions {
  queue: "embedded" | "pulsar";
  /** Events per second, one per request. */
  rate: number;
  /** Sent first, not measured. */
  warmupSeconds: number;
  /** Measured: the healthy destination's latencies of these events. */
  seconds: number;
  /** How long after the last send an undelivered event counts as missing. */
  graceSeconds: number;
  /** Only the settings whose name contains one of these comma-separated parts. */
  only?: string;
  /**
   * The settings run this many times, one round after another (alone, beside, alone, beside, …), so
   * each "beside" row is compared with the "alone" row of its round, measured minutes apart at most.
   */
  rounds?: number;
}

const TOKEN = { authorization: "Bearer bench", "content-type": "application/json" };
const PORT = 8770;

type Bad = "failing" | "refusing" | "hanging";

export const SETTINGS: { name: string; bad: Bad[] }[] = [
  { name: "alone", bad: [] },
  { name: "beside one answering 500", bad: ["failing"] },
  { name: "beside one hanging", bad: ["hanging"] },
  { name: "beside one answering 500 and one hanging", bad: ["failing", "hanging"] },
  { name: "beside all three (500, refusing, hanging)", bad: ["failing", "refusing", "hanging"] },
];

async function api(url: string, path: string, body: unknown): Promise<{ id?: string }> {
  const res = await fetch(`${url}${path}`, { method: "POST", headers: TOKEN, body: JSON.stringify(body) });
  if (res.status >= 300) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id?: string };
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  return (server.address() as AddressInfo).port;
}

/** The receivers: healthy (records receipt times by event number), failing (500), hanging (never answers). */
async function receivers() {
  const received = new Map<number, number>();
  const healthy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const at = performance.now();
      const body = JSON.parse(Buffer.concat(chunks).toString()) as { data: { n: number } };
      if (!received.has(body.data.n)) received.set(body.data.n, at);
      res.writeHead(200).end();
    });
  });
  const failing = createServer((req, res) => {
    req.resume();
    req.on("end", () => res.writeHead(500).end("down"));
  });
  const sockets = new Set<Socket>();
  const hanging = createServer(() => {});
  hanging.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  // A port that was free a moment ago: nothing listens there, connections are refused.
  const probe = createServer();
  const refusingPort = await listen(probe);
  await new Promise((r) => probe.close(r));
  const ports = {
    healthy: await listen(healthy),
    failing: await listen(failing),
    hanging: await listen(hanging),
    refusing: refusingPort,
  };
  return {
    received,
    ports,
    /** Connections the hanging receiver holds open right now. */
    hangingConnections: () => sockets.size,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await Promise.all([healthy, failing, hanging].map((s) => new Promise((r) => s.close(r))));
    },
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

function queueEnv(queue: "embedded" | "pulsar"): Record<string, string> {
  if (queue === "embedded") return {};
  const out = execFileSync("bash", [join(DIST, "..", "infra", "pulsar.sh"), "start"], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  const info = JSON.parse(out.trim().split("\n").at(-1) ?? "") as { serviceUrl: string; webUrl: string };
  return {
    TRACARDI_QUEUE: "pulsar",
    TRACARDI_PULSAR_URL: info.serviceUrl,
    TRACARDI_PULSAR_WEB_URL: info.webUrl,
    TRACARDI_PULSAR_TOPIC_PREFIX: `bench-dest-${Date.now().toString(36)}-`,
  };
}

async function scenario(
  setting: { name: string; bad: Bad[] },
  options: DestinationBenchOptions,
  round: number,
): Promise<DestinationRow> {
  const hooks = await receivers();
  const runtime = await startRuntime(["standalone"], PORT, {
    TRACARDI_HTTP_ALLOW_PRIVATE: "true",
    ...queueEnv(options.queue),
  });
  const privateUrl = runtime.url.replace(String(PORT), String(PORT + 1));
  const sentAt = new Map<number, number>();
  try {
    await api(privateUrl, "/api/v1/event-sources", { id: "bench", name: "bench", type: "rest" });
    for (const name of ["healthy", ...setting.bad] as const) {
      const resource = await api(privateUrl, "/api/v1/resources", {
        name,
        credentials: { url: `http://127.0.0.1:${hooks.ports[name]}/hook` },
      });
      await api(privateUrl, "/api/v1/destinations", {
        name,
        resource: { id: resource.id },
        event_type: { id: "probe" },
        mapping: { n: "event@properties.n" },
      });
    }
    const track = async (n: number) => {
      const res = await fetch(`${runtime.url}/track`, {
        method: "POST",
        headers: { "content-type": "application/json", "user-agent": "Mozilla/5.0 Chrome/120" },
        body: JSON.stringify({
          source: { id: "bench" },
          session: { id: `dest-${n}` },
          events: [{ type: "probe", properties: { n } }],
        }),
      });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`track: ${res.status}`);
      sentAt.set(n, performance.now());
    };
    const warmup = Math.round(options.rate * options.warmupSeconds);
    const total = warmup + Math.round(options.rate * options.seconds);
    const sends: Promise<void>[] = [];
    let refused = 0;
    const started = performance.now();
    for (let n = 0; n < total; n++) {
      const wait = started + (n * 1000) / options.rate - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      sends.push(
        track(n).catch((error: unknown) => {
          refused++;
          process.stderr.write(`event ${n} not accepted: ${String(error)}\n`);
        }),
      );
    }
    await Promise.all(sends);
    const deadline = performance.now() + options.graceSeconds * 1000;
    while (hooks.received.size < total && performance.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    const measured = [...sentAt].filter(([i]) => i >= warmup);
    if (process.env.BENCH_TRACE)
      for (const [i, sent] of measured)
        process.stderr.write(
          `trace ${i} ${Math.round(sent - started)} ${Math.round((hooks.received.get(i) ?? Number.NaN) - sent)} ${(performance.timeOrigin + sent).toFixed(1)}\n`,
        );
    const latencies = measured
      .map(([i, sent]) => (hooks.received.get(i) ?? Number.POSITIVE_INFINITY) - sent)
      .sort((a, b) => a - b);
    const metrics = await fetch(runtime.url.replace(String(PORT), String(PORT + 1)) + "/metrics").then((r) =>
      r.text(),
    );
    const outcomes: Record<string, number> = {};
    for (const match of metrics.matchAll(
      /^tracardi_stage_messages_total\{stage="dispatch",outcome="([a-z-]+)"\} (\d+)/gm,
    ))
      outcomes[match[1] as string] = Number(match[2]);
    const whole = (ms: number) => (Number.isFinite(ms) ? Math.round(ms) : ms);
    const cpuSeconds = Math.round(runtime.cpuSeconds() * 10) / 10;
    return {
      queue: options.queue,
      round,
      setting: setting.name,
      sent: measured.length,
      delivered: measured.filter(([i]) => hooks.received.has(i)).length,
      p50: whole(percentile(latencies, 50)),
      p99: whole(percentile(latencies, 99)),
      max: whole(latencies.at(-1) ?? Number.NaN),
      outcomes,
      cpuSeconds,
      refused,
      latencies,
    };
  } finally {
    await hooks.close();
    await runtime.stop();
  }
}

export async function destinationsBenchmark(options: DestinationBenchOptions): Promise<DestinationRow[]> {
  const rows: DestinationRow[] = [];
  const parts = (options.only ?? "").split(",");
  const settings = SETTINGS.filter((s) => parts.some((part) => s.name.includes(part.trim())));
  for (let round = 1; round <= (options.rounds ?? 1); round++) {
    for (const setting of settings) {
      const row = await scenario(setting, options, round);
      const { latencies: _, ...summary } = row;
      process.stderr.write(`${JSON.stringify(summary)}\n`);
      rows.push(row);
    }
  }
  return rows;
}

/**
 * A p99 is a handful of samples and moves by ±10 % between rounds of one setting, so with several
 * rounds each setting also gets a row over all its samples together (round 0, printed "all").
 */
export function pooledRows(rows: DestinationRow[]): DestinationRow[] {
  if (new Set(rows.map((r) => r.round)).size < 2) return [];
  const groups = new Map<string, DestinationRow[]>();
  for (const row of rows) {
    const key = `${row.queue} ${row.setting}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  return [...groups.values()].map((mine) => {
    const latencies = mine.flatMap((r) => r.latencies).sort((a, b) => a - b);
    const sum = (pick: (r: DestinationRow) => number) => mine.reduce((n, r) => n + pick(r), 0);
    const outcomes: Record<string, number> = {};
    for (const r of mine)
      for (const [outcome, n] of Object.entries(r.outcomes)) outcomes[outcome] = (outcomes[outcome] ?? 0) + n;
    const first = mine[0] as DestinationRow;
    return {
      queue: first.queue,
      round: 0,
      setting: first.setting,
      sent: sum((r) => r.sent),
      delivered: sum((r) => r.delivered),
      p50: Math.round(percentile(latencies, 50)),
      p99: Math.round(percentile(latencies, 99)),
      max: Math.round(latencies.at(-1) ?? Number.NaN),
      outcomes,
      cpuSeconds: Math.round(sum((r) => r.cpuSeconds) * 10) / 10,
      refused: sum((r) => r.refused),
      latencies,
    };
  });
}

export function printDestinations(rows: DestinationRow[], options: DestinationBenchOptions): void {
  const all = [...rows, ...pooledRows(rows)];
  const show = (ms: number) => (Number.isFinite(ms) ? String(ms) : "not delivered");
  const alone = new Map(
    all.filter((r) => r.setting === "alone").map((r) => [`${r.queue} ${r.round}`, r.p99]),
  );
  const versus = (r: DestinationRow) => {
    const base = alone.get(`${r.queue} ${r.round}`);
    if (r.setting === "alone" || base === undefined || !Number.isFinite(r.p99)) return "";
    const change = Math.round(((r.p99 - base) / base) * 100);
    return `${change >= 0 ? "+" : ""}${change} %`;
  };
  const lines = [
    "| Queue | Round | Healthy webhook | delivered / sent | p50 ms | p99 ms | max ms | p99 vs alone | dispatch ack / retry / defer | runtime CPU s |",
    "|---|---|---|---|---|---|---|---|---|---|",
    ...all.map(
      (r) =>
        `| ${r.queue} | ${r.round === 0 ? "all" : r.round} | ${r.setting} | ${r.delivered} / ${r.sent} | ${show(r.p50)} | ${show(r.p99)} | ${show(r.max)} | ${versus(r)} | ${r.outcomes.ack ?? 0} / ${r.outcomes.retry ?? 0} / ${r.outcomes.defer ?? 0} | ${r.cpuSeconds} |`,
    ),
  ];
  process.stdout.write(
    `\n## A bad destination only delays itself (${options.rate}/s, ${options.warmupSeconds} s unmeasured, then ${options.seconds} s measured; /track 200 → receipt)\n\n${lines.join("\n")}\n`,
  );
}
