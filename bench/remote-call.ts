import { createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { startRuntime } from "./lib.js";

/**
 * Whether a slow remote-call node holds only its own profile: a standalone runtime with a rule that
 * runs a remote-call node (30 s timeout) against a receiver that never answers, for one visitor's
 * `slow` events. Meanwhile other visitors send page views at a steady rate; the row says how many
 * of them are stored per second and how long each took from the /track 200 to being stored
 * (read from the stored count, in sending order).
 */
export interface RemoteCallRow {
  setting: string;
  sent: number;
  storedPerSecond: number;
  p50: number;
  p99: number;
  max: number;
}

const TOKEN = { authorization: "Bearer bench", "content-type": "application/json" };
const PORT = 8780;
const HEADERS = { "content-type": "application/json", "user-agent": "Mozilla/5.0 Chrome/120" };

async function api(url: string, path: string, body: unknown): Promise<{ id?: string }> {
  const res = await fetch(`${url}${path}`, { method: "POST", headers: TOKEN, body: JSON.stringify(body) });
  if (res.status >= 300) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id?: string };
}

async function storedCount(privateUrl: string): Promise<number> {
  const res = await fetch(`${privateUrl}/api/v1/events?type=page-view&limit=1`, { headers: TOKEN });
  return ((await res.json()) as { total: number }).total;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

async function scenario(hang: boolean, rate: number, seconds: number): Promise<RemoteCallRow> {
  const sockets = new Set<Socket>();
  const partner = createServer(() => {});
  partner.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((ok) => partner.listen(0, "127.0.0.1", ok));
  const partnerPort = (partner.address() as AddressInfo).port;
  const runtime = await startRuntime(["standalone"], PORT, { TRACARDI_HTTP_ALLOW_PRIVATE: "true" });
  const privateUrl = runtime.url.replace(String(PORT), String(PORT + 1));
  try {
    await api(privateUrl, "/api/v1/event-sources", { id: "bench", name: "bench", type: "rest" });
    const flow = await api(privateUrl, "/api/v1/flows", {
      name: "slow partner",
      nodes: [
        { id: "start", type: "start" },
        {
          id: "call",
          type: "remote-call",
          config: { url: `http://127.0.0.1:${partnerPort}/slow`, timeout_ms: 30_000 },
        },
      ],
      edges: [{ source: "start", sourcePort: "payload", target: "call", targetPort: "payload" }],
    });
    await api(privateUrl, "/api/v1/rules", {
      name: "slow partner",
      source: { id: "bench" },
      event_type: { id: "slow" },
      flow: { id: flow.id },
      enabled: true,
    });
    const post = (session: string, type: string) =>
      fetch(`${runtime.url}/track`, {
        method: "POST",
        headers: HEADERS,
        body: JSON.stringify({ source: { id: "bench" }, session: { id: session }, events: [{ type }] }),
      }).then(async (res) => {
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`track: ${res.status}`);
      });
    // The slow visitor's /track waits a little for its workflow; nobody waits for it here.
    const slow: Promise<void>[] = [];
    if (hang) for (let i = 0; i < 3; i++) slow.push(post("slow-visitor", "slow"));
    await new Promise((r) => setTimeout(r, 500));

    const sentAt: number[] = [];
    const storedAt: number[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const n = await storedCount(privateUrl);
        const at = performance.now();
        while (storedAt.length < n) storedAt.push(at);
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    const total = Math.round(rate * seconds);
    const started = performance.now();
    const sends: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const wait = started + (i * 1000) / rate - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      sends.push(post(`visitor-${i}`, "page-view").then(() => void (sentAt[i] = performance.now())));
    }
    await Promise.all(sends);
    const window = (performance.now() - started) / 1000;
    const storedInWindow = storedAt.length;
    const deadline = performance.now() + 40_000;
    while (storedAt.length < total && performance.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    polling = false;
    await poller;
    const latencies = sentAt
      .map((sent, i) => (storedAt[i] ?? Number.POSITIVE_INFINITY) - sent)
      .sort((a, b) => a - b);
    const round = (ms: number) => (Number.isFinite(ms) ? Math.round(ms) : ms);
    return {
      setting: hang ? "one visitor's remote-call hangs (30 s timeout)" : "no slow call",
      sent: total,
      storedPerSecond: Math.round(storedInWindow / window),
      p50: round(percentile(latencies, 50)),
      p99: round(percentile(latencies, 99)),
      max: round(latencies.at(-1) ?? Number.NaN),
    };
  } finally {
    for (const socket of sockets) socket.destroy();
    partner.close();
    await runtime.stop();
  }
}

export async function remoteCallBenchmark(rate: number, seconds: number): Promise<RemoteCallRow[]> {
  const rows: RemoteCallRow[] = [];
  for (const hang of [false, true]) {
    const row = await scenario(hang, rate, seconds);
    process.stderr.write(`${JSON.stringify(row)}\n`);
    rows.push(row);
  }
  return rows;
}

export function printRemoteCall(rows: RemoteCallRow[], rate: number, seconds: number): void {
  const show = (ms: number) => (Number.isFinite(ms) ? String(ms) : "not stored");
  const lines = [
    "| Other visitors' page views | sent | stored/s while sending | p50 ms | p99 ms | max ms |",
    "|---|---|---|---|---|---|",
    ...rows.map(
      (r) =>
        `| ${r.setting} | ${r.sent} | ${r.storedPerSecond} | ${show(r.p50)} | ${show(r.p99)} | ${show(r.max)} |`,
    ),
  ];
  process.stdout.write(
    `\n## A slow remote-call holds only its own profile (${rate}/s for ${seconds} s; /track 200 → stored)\n\n${lines.join("\n")}\n`,
  );
}
