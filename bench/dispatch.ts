import { type ChildProcess, spawn } from "node:child_process";
import { guardedHttp } from "../runtime/adapters/http/guarded-client.js";
import type { Destination, DispatchMessage, Resource } from "../runtime/domain/destination.js";
import type { Delivery, Outcome } from "../runtime/ports/queue.js";
import type { LimitOptions } from "../runtime/stages/dispatch/limit.js";
import { DEFAULT_CONCURRENCY, dispatchStage } from "../runtime/stages/dispatch/stage.js";
import { deliverWebhook } from "../runtime/stages/dispatch/webhook.js";
import type { ProcessingConfig } from "../runtime/stages/process/config-cache.js";
import { processCpuSeconds } from "./lib.js";

/**
 * The dispatch stage alone, in this process, over the guarded HTTP client to receivers in a child
 * process (on the other core): how many deliveries/s one healthy receiver takes, alone and beside a
 * receiver that never answers. `parallel` loops hand batches of 50 to the stage, as the runtime's
 * dispatch consumer does; a deferred delivery goes back to the end of the queue (no retry delay), so
 * what is measured is the stage and the client, not the queue or the store (no delivery memory).
 */
export interface DispatchRow {
  setting: string;
  healthyDelivered: number;
  seconds: number;
  deliveriesPerSecond: number;
  deferred: number;
  /** CPU time of this process (stage and client; the receivers run in a child) per healthy delivery. */
  cpuMicrosPerDelivery: number;
  /** CPU time of the receivers' process per healthy delivery (both receivers; null: not on Linux). */
  receiverCpuMicrosPerDelivery: number | null;
}

/** CPU time a process has used so far, in µs (Linux; clock ticks of 10 ms); null when unknown. */
function cpuMicrosOf(pid: number | undefined): number | null {
  const seconds = processCpuSeconds(pid);
  return Number.isNaN(seconds) ? null : Math.round(seconds * 1_000_000);
}

const RECEIVERS = `
const http = require("node:http");
http.createServer((req, res) => { req.resume(); req.on("end", () => res.writeHead(200).end()); }).listen(8781, "127.0.0.1");
http.createServer((req) => { req.resume(); }).listen(8782, "127.0.0.1", () => process.stdout.write("ready\\n"));
`;

async function startReceivers(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["-e", RECEIVERS], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((ready, fail) => {
    child.stdout?.once("data", () => ready());
    child.once("exit", (code) => fail(new Error(`receivers exited with ${code}`)));
  });
  return child;
}

function destination(id: string, port: number): { destination: Destination; resource: Resource } {
  return {
    resource: {
      id: `r-${id}`,
      name: id,
      type: "webhook",
      enabled: true,
      credentials: { url: `http://127.0.0.1:${port}/hook` },
    },
    destination: {
      id,
      name: id,
      enabled: true,
      resource: { id: `r-${id}` },
      on_profile_change_only: false,
      source: null,
      event_type: null,
      condition: null,
      mapping: null,
      destination: {
        type: "webhook",
        init: { method: "POST", headers: {}, timeout_ms: 2000, max_attempts: 1_000_000 },
      },
    },
  };
}

async function run(
  receivers: ChildProcess,
  setting: string,
  healthy: number,
  withHanging: boolean,
  concurrency: LimitOptions,
): Promise<DispatchRow> {
  const parallel = 8;
  const targets = [destination("healthy", 8781), ...(withHanging ? [destination("hanging", 8782)] : [])];
  const config = {
    current: async () =>
      ({
        destination: (id: string) => targets.find((t) => t.destination.id === id)?.destination ?? null,
        resource: (id: string) => targets.find((t) => t.resource.id === id)?.resource ?? null,
      }) as Pick<ProcessingConfig, "destination" | "resource"> as ProcessingConfig,
  };
  const http = guardedHttp({ allowPrivate: true });
  let delivered = 0;
  const shutdown = new AbortController();
  const handler = dispatchStage({
    config,

    shutdown: shutdown.signal,
    deliver: (resource, settings, body, signal) => deliverWebhook(resource, settings, body, signal, http),
    onDelivered: (message, result) => {
      if (result.ok && message.destinationId === "healthy") delivered++;
    },
  });
  const queue: Delivery<DispatchMessage>[] = [];
  let n = 0;
  const message = (destinationId: string): Delivery<DispatchMessage> => {
    const key = `profile-${n++}`;
    return {
      id: key,
      topic: "dispatch",
      key,
      attempt: 1,
      body: {
        destinationId,
        kind: "event",
        profileId: key,
        eventId: key,
        body: { data: { event: { type: "page-view", n } }, changes: [] },
      },
    };
  };
  for (let i = 0; i < healthy; i++) {
    queue.push(message("healthy"));
    // As many deliveries to the hanging receiver: each batch holds both.
    if (withHanging) queue.push(message("hanging"));
  }
  let deferred = 0;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const receiverCpuBefore = cpuMicrosOf(receivers.pid);
  // As the runtime's consumer: a loop takes the next batch while earlier ones run, up to 100 messages
  // taken and not yet settled; a deferred delivery comes back after the delay the stage asked for.
  const settle = (delivery: Delivery<DispatchMessage>, outcome: Outcome) => {
    if (outcome.kind === "ack") return;
    deferred++;
    const again = { ...delivery, attempt: delivery.attempt + 1 };
    const delayMs = outcome.kind === "defer" ? (outcome.delayMs ?? 0) : 0;
    if (delayMs > 0) setTimeout(() => queue.push(again), delayMs).unref();
    else queue.push(again);
  };
  const loop = async () => {
    let unsettled = 0;
    while (delivered < healthy) {
      const batch = unsettled + 50 <= 100 ? queue.splice(0, 50) : [];
      if (batch.length === 0) {
        await new Promise((resolve) => setTimeout(resolve, 1));
        continue;
      }
      unsettled += batch.length;
      const settled = new Set<number>();
      void Promise.resolve(
        handler(batch, (index, outcome) => {
          settled.add(index);
          unsettled--;
          settle(batch[index] as Delivery<DispatchMessage>, outcome);
        }),
      ).then((outcomes) => {
        for (const [index, outcome] of outcomes.entries()) {
          if (settled.has(index)) continue;
          unsettled--;
          settle(batch[index] as Delivery<DispatchMessage>, outcome);
        }
      });
    }
  };
  await Promise.all(Array.from({ length: parallel }, loop));
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const receiverCpuAfter = cpuMicrosOf(receivers.pid);
  shutdown.abort();
  return {
    setting,
    healthyDelivered: delivered,
    seconds: Number(seconds.toFixed(2)),
    deliveriesPerSecond: Math.round(delivered / seconds),
    deferred,
    cpuMicrosPerDelivery: Math.round((cpu.user + cpu.system) / delivered),
    receiverCpuMicrosPerDelivery:
      receiverCpuBefore === null || receiverCpuAfter === null
        ? null
        : Math.round((receiverCpuAfter - receiverCpuBefore) / delivered),
  };
}

export async function dispatchBenchmark(deliveries: number): Promise<DispatchRow[]> {
  const receivers = await startReceivers();
  try {
    const rows: DispatchRow[] = [];
    // A short warm-up (JIT, connections), not reported.
    const fixed = { initial: 4, min: 4, max: 4 };
    await run(receivers, "warm-up", Math.min(2000, deliveries), false, DEFAULT_CONCURRENCY);
    rows.push(await run(receivers, "alone, fixed 4 in flight (before)", deliveries, false, fixed));
    rows.push(await run(receivers, "alone, adaptive (1–64)", deliveries, false, DEFAULT_CONCURRENCY));
    rows.push(await run(receivers, "beside one that never answers, fixed 4", deliveries, true, fixed));
    rows.push(
      await run(receivers, "beside one that never answers, adaptive", deliveries, true, DEFAULT_CONCURRENCY),
    );
    return rows;
  } finally {
    receivers.kill();
  }
}

export function printDispatch(rows: DispatchRow[]): void {
  const lines = [
    "| Setting (dispatch stage alone, 8 loops × batches of 50) | healthy delivered | seconds | deliveries/s | deferred | CPU µs/delivery | receivers' CPU µs/delivery |",
    "|---|---|---|---|---|---|---|",
    ...rows.map(
      (r) =>
        `| ${r.setting} | ${r.healthyDelivered} | ${r.seconds} | ${r.deliveriesPerSecond} | ${r.deferred} | ${r.cpuMicrosPerDelivery} | ${r.receiverCpuMicrosPerDelivery ?? "—"} |`,
    ),
  ];
  process.stdout.write(`\n## Dispatch to one receiver (BENCH_ONLY=dispatch)\n\n${lines.join("\n")}\n`);
}
