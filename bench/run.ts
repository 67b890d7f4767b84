import { ingestBenchmark, printIngest } from "./ingest.js";
import { pipelineBenchmark, printPipeline } from "./pipeline.js";

// `make bench`: BENCH_SECONDS sets the length of each ingestion measurement (default 10),
// BENCH_ROUNDS the alternating bare/intake rounds (default 5), BENCH_EVENTS the events of each
// processing scenario (default 20000).
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const events = Number(process.env.BENCH_EVENTS ?? 20_000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const only = process.env.BENCH_ONLY;
if (only !== "pipeline") printIngest(await ingestBenchmark(seconds, rounds), rounds);
if (only !== "ingest") printPipeline(await pipelineBenchmark(events));
