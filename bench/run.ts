import { ingestBenchmark, printIngest } from "./ingest.js";

// `make bench`: BENCH_SECONDS sets the length of each measurement (default 10).
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
printIngest(await ingestBenchmark(seconds));
