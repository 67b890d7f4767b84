import { destinationsBenchmark, printDestinations } from "./destinations.js";
import { dispatchBenchmark, printDispatch } from "./dispatch.js";
import { ingestBenchmark, printIngest } from "./ingest.js";
import { pipelineBenchmark, printPipeline } from "./pipeline.js";
import { printRemoteCall, remoteCallBenchmark } from "./remote-call.js";

// `make bench`: BENCH_SECONDS sets the length of each ingestion measurement (default 10),
// BENCH_ROUNDS the alternating bare/intake rounds (default 5), BENCH_EVENTS the events of each
// processing scenario (default 20000); BENCH_ONLY=ingest|pipeline|destinations|dispatch|remote-call runs one part,
// BENCH_QUEUE=pulsar runs the destinations part over Pulsar (infra/pulsar.sh), BENCH_DEST_ONLY=alone,all
// only the settings whose names contain one of these parts, BENCH_DEST_ROUNDS=3 all of them three times.
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const events = Number(process.env.BENCH_EVENTS ?? 20_000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const only = process.env.BENCH_ONLY;
const runs = (part: string) => only === undefined || only === part;
if (runs("ingest")) printIngest(await ingestBenchmark(seconds, rounds), rounds);
if (runs("pipeline")) printPipeline(await pipelineBenchmark(events));
if (runs("destinations")) {
  const options = {
    queue: process.env.BENCH_QUEUE === "pulsar" ? ("pulsar" as const) : ("embedded" as const),
    rate: Number(process.env.BENCH_RATE ?? 20),
    warmupSeconds: 5,
    seconds: Number(process.env.BENCH_DEST_SECONDS ?? 20),
    graceSeconds: 30,
    only: process.env.BENCH_DEST_ONLY,
    rounds: Number(process.env.BENCH_DEST_ROUNDS ?? 1),
  };
  printDestinations(await destinationsBenchmark(options), options);
}
if (runs("dispatch")) printDispatch(await dispatchBenchmark(Number(process.env.BENCH_DELIVERIES ?? 50_000)));
if (runs("remote-call")) printRemoteCall(await remoteCallBenchmark(20, 10), 20, 10);
