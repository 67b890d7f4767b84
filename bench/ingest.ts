import { join } from "node:path";
import { DIST, type Measurement, measure, startRuntime, startServer, table } from "./lib.js";

const WARM_UP_SECONDS = 3;

export interface IngestResult {
  rows: Measurement[];
  /** Per round at 1 event/request: intake requests/s over bare requests/s, measured back to back. */
  ratios: number[];
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
  for (const n of [1, 50]) {
    const standalone = await startRuntime(["standalone"], 8710);
    await createSource(standalone.url.replace("8710", "8711"));
    rows.push(await measure("tracardi /track, standalone", standalone.url, n, seconds));
    await standalone.stop();
  }
  return { rows, ratios };
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

export function printIngest({ rows, ratios }: IngestResult, rounds: number): void {
  process.stdout.write(
    `\n## Ingestion (POST /track, 50 connections; bare and intake: median of ${rounds} alternating rounds)\n\n${table(rows)}\n`,
  );
  const sorted = [...ratios].sort((a, b) => a - b);
  const pct = (x: number | undefined) => `${Math.round(100 * (x ?? 0))}%`;
  process.stdout.write(
    `\nintake at 1 event/request, per round: ${ratios.map(pct).join(", ")} of the bare handler (median ${pct(sorted[Math.floor(sorted.length / 2)])})\n`,
  );
}
