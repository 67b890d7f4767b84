import { join } from "node:path";
import { DIST, type Measurement, measure, startRuntime, startServer, table } from "./lib.js";

/**
 * Ingestion throughput and latency of POST /track with durable acceptance, next to a bare fastify
 * handler in the same run (the ceiling). Load: autocannon, 50 connections, from this process.
 */
export async function ingestBenchmark(seconds: number): Promise<Measurement[]> {
  const rows: Measurement[] = [];

  const bare = await startServer(
    join(DIST, "bench/bare-server.js"),
    [],
    { PORT: "8699" },
    "http://127.0.0.1:8699/track",
  );
  for (const n of [1, 50])
    rows.push(await measure("bare fastify (no storage)", "http://127.0.0.1:8699", n, seconds));
  bare.kill("SIGTERM");

  // Intake only: the API as deployed with a separate collector worker.
  for (const n of [1, 50]) {
    const setup = await startRuntime(["standalone"], 8700, {});
    await createSource(setup.url.replace("8700", "8701"));
    await setup.stop({ keepData: true });
    const intake = await startRuntime(["api", "--role", "public"], 8700, {
      TRACARDI_PROCESS_INLINE: "false",
      TRACARDI_DATA_DIR: setup.dataDir,
    });
    rows.push(await measure("tracardi /track, intake only", intake.url, n, seconds));
    await intake.stop();
  }

  // Standalone: the same process also runs the collector and storage stages.
  for (const n of [1, 50]) {
    const standalone = await startRuntime(["standalone"], 8710);
    await createSource(standalone.url.replace("8710", "8711"));
    rows.push(await measure("tracardi /track, standalone", standalone.url, n, seconds));
    await standalone.stop();
  }
  return rows;
}

async function createSource(privateUrl: string): Promise<void> {
  const res = await fetch(`${privateUrl}/api/v1/event-sources`, {
    method: "POST",
    headers: { authorization: "Bearer bench", "content-type": "application/json" },
    body: JSON.stringify({ id: "bench", name: "bench", type: "rest" }),
  });
  if (res.status !== 201) throw new Error(`source not created: ${res.status}`);
}

export function printIngest(rows: Measurement[]): void {
  process.stdout.write(`\n## Ingestion (POST /track, 50 connections)\n\n${table(rows)}\n`);
  const ceiling = rows.find((r) => r.name.startsWith("bare") && r.eventsPerRequest === 1);
  const ours = rows.find((r) => r.name.includes("intake") && r.eventsPerRequest === 1);
  if (ceiling && ours) {
    process.stdout.write(
      `\nintake at 1 event/request: ${((100 * ours.requestsPerSecond) / ceiling.requestsPerSecond).toFixed(0)}% of the bare handler\n`,
    );
  }
}
