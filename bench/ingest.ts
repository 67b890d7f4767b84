import { join } from "node:path";
import { DIST, type Measurement, measure, startRuntime, startServer, table } from "./lib.js";

const WARM_UP_SECONDS = 3;

export interface IngestResult {
  rows: Measurement[];
  /** Per round at 1 event/request: intake requests/s over bare requests/s, measured back to back. */
  ratios: number[];
  /** Standalone (intake and processing in one process), with what processing did meanwhile. */
  standalone: StandaloneRow[];
}

export interface StandaloneRow {
  measurement: Measurement;
  visitor: "returning" | "new";
  /** Requests/s over the median bare fastify round at the same events/request. */
  ofBare: number;
  /** Payloads accepted and not yet stored when the load stopped. */
  backlogAtEnd: number;
  /** Seconds from the end of the load until everything accepted was stored. */
  drainSeconds: number;
  /** Runtime CPU (every thread) per request, load and drain. */
  cpuMicrosPerRequest: number;
  /**
   * Requests accepted over the seconds of load plus drain: the rate at which this process stores
   * what it accepts, intake and processing sharing its cores (the rate it can keep up with).
   */
  keepsUpAt: number;
}

/**
 * Ingestion throughput and latency of POST /track with durable acceptance, next to a bare fastify
 * handler (the ceiling). Load: autocannon, 50 connections, from this process. On a shared 2-core
 * machine single runs vary by ±15 %, so bare and intake are measured in alternating rounds, after a
 * warm-up of each, and the median round is reported, with every round's ratio.
 */
export async function ingestBenchmark(seconds: number, rounds: number): Promise<IngestResult> {
  const bare = await startServer(
    join(DIST, "bench/bare-server.js"),
    [],
    { PORT: "8699" },
    "http://127.0.0.1:8699/track",
  );
  // Intake only: the API as deployed with a separate collector worker.
  const setup = await startRuntime(["standalone"], 8700, {});
  await createSource(setup.url.replace("8700", "8701"));
  await setup.stop({ keepData: true });
  const intake = await startRuntime(["api", "--role", "public"], 8700, {
    TRACARDI_PROCESS_INLINE: "false",
    TRACARDI_DATA_DIR: setup.dataDir,
    // Nothing consumes here: without a higher bound, back-pressure (503) starts at a million payloads.
    TRACARDI_MAX_BACKLOG: "1000000000",
  });

  const rows: Measurement[] = [];
  const ratios: number[] = [];
  try {
    for (const n of [1, 50]) {
      const bareRounds: Measurement[] = [];
      const intakeRounds: Measurement[] = [];
      // Unmeasured: until the JIT has compiled the hot paths, the first round says more about it.
      await measure("warm-up", "http://127.0.0.1:8699", n, WARM_UP_SECONDS);
      await measure("warm-up", intake.url, n, WARM_UP_SECONDS);
      for (let round = 0; round < rounds; round++) {
        bareRounds.push(await measure("bare fastify (no storage)", "http://127.0.0.1:8699", n, seconds));
        intakeRounds.push(await measure("tracardi /track, intake only", intake.url, n, seconds));
        if (n === 1)
          ratios.push(
            (intakeRounds[round] as Measurement).requestsPerSecond /
              (bareRounds[round] as Measurement).requestsPerSecond,
          );
      }
      rows.push(median(bareRounds), median(intakeRounds));
    }
  } finally {
    bare.kill("SIGTERM");
    await intake.stop();
  }

  // Standalone: the same process also runs the processing stages on its second thread.
  const bareAt = (n: number) => rows.find((r) => r.name.startsWith("bare") && r.eventsPerRequest === n);
  const standalone: StandaloneRow[] = [];
  const settings: [number, "returning" | "new"][] = [
    [1, "returning"],
    [1, "new"],
    [50, "returning"],
  ];
  for (const [n, visitor] of settings) {
    const runtime = await startRuntime(["standalone"], 8710);
    const privateUrl = runtime.url.replace("8710", "8711");
    try {
      await createSource(privateUrl);
      const cpuBefore = runtime.cpuSeconds();
      const name = `tracardi /track, standalone, ${visitor} visitor${visitor === "new" ? "s" : ""}`;
      const measurement = await measure(name, runtime.url, n, seconds, "bench", visitor === "new");
      const backlogAtEnd = await backlog(privateUrl);
      const stopped = performance.now();
      while ((await backlog(privateUrl)) > 0) await new Promise((r) => setTimeout(r, 50));
      const drainSeconds = (performance.now() - stopped) / 1000;
      const requests = measurement.requestsPerSecond * seconds;
      rows.push(measurement);
      standalone.push({
        measurement,
        visitor,
        ofBare: measurement.requestsPerSecond / (bareAt(n)?.requestsPerSecond ?? Number.NaN),
        backlogAtEnd,
        drainSeconds,
        cpuMicrosPerRequest: ((runtime.cpuSeconds() - cpuBefore) * 1e6) / requests,
        keepsUpAt: requests / (seconds + drainSeconds),
      });
    } finally {
      await runtime.stop();
    }
  }
  return { rows, ratios, standalone };
}

/** Messages accepted and not yet stored (collector and storage topics, and documents in flight). */
async function backlog(privateUrl: string): Promise<number> {
  const res = await fetch(`${privateUrl}/api/v1/status`, { headers: { authorization: "Bearer bench" } });
  const status = (await res.json()) as {
    queue: { backlog: Record<string, number> };
    pendingStateDocuments: number;
  };
  return (
    (status.queue.backlog.collector ?? 0) + (status.queue.backlog.storage ?? 0) + status.pendingStateDocuments
  );
}

function median(rounds: Measurement[]): Measurement {
  const sorted = [...rounds].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
  return sorted[Math.floor(sorted.length / 2)] as Measurement;
}

async function createSource(privateUrl: string): Promise<void> {
  const res = await fetch(`${privateUrl}/api/v1/event-sources`, {
    method: "POST",
    headers: { authorization: "Bearer bench", "content-type": "application/json" },
    body: JSON.stringify({ id: "bench", name: "bench", type: "rest" }),
  });
  if (res.status !== 201) throw new Error(`source not created: ${res.status}`);
}

export function printIngest({ rows, ratios, standalone }: IngestResult, rounds: number): void {
  process.stdout.write(
    `\n## Ingestion (POST /track, 50 connections; bare and intake: median of ${rounds} alternating rounds)\n\n${table(rows)}\n`,
  );
  const sorted = [...ratios].sort((a, b) => a - b);
  const pct = (x: number | undefined) => `${Math.round(100 * (x ?? 0))}%`;
  process.stdout.write(
    `\nintake at 1 event/request, per round: ${ratios.map(pct).join(", ")} of the bare handler (median ${pct(sorted[Math.floor(sorted.length / 2)])})\n`,
  );
  const lines = [
    "| Visitor | events/request | requests/s | of bare | p99 ms | backlog at end | drained after s | keeps up at requests/s | runtime CPU µs/request |",
    "|---|---|---|---|---|---|---|---|---|",
    ...standalone.map(
      (r) =>
        `| ${r.visitor} | ${r.measurement.eventsPerRequest} | ${r.measurement.requestsPerSecond} | ${pct(r.ofBare)} | ${r.measurement.p99} | ${r.backlogAtEnd} | ${r.drainSeconds.toFixed(1)} | ${Math.round(r.keepsUpAt)} | ${Math.round(r.cpuMicrosPerRequest)} |`,
    ),
  ];
  process.stdout.write(
    `\nStandalone (intake and processing in one process; backlog: payloads accepted and not yet stored when the load stopped; keeps up at: requests accepted over the seconds of load and drain):\n\n${lines.join("\n")}\n`,
  );
}
