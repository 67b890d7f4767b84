import { ingestBenchmark, printIngest } from "./ingest.js";
import { pipelineBenchmark, printPipeline } from "./pipeline.js";

// `make bench`: BENCH_SECONDS sets the length of each ingestion measurement (default 10),
// BENCH_EVENTS the events of each processing scenario (default 20000).
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const events = Number(process.env.BENCH_EVENTS ?? 20_000);
const only = process.env.BENCH_ONLY;
if (only !== "pipeline") printIngest(await ingestBenchmark(seconds));
if (only !== "ingest") printPipeline(await pipelineBenchmark(events));
