import type { FastifyInstance } from "fastify";
import type { Runtime } from "../../runtime.js";
import { integerParam } from "../query.js";
import { deliveryCounts, MINUTE_MS, metricTotal, ThroughputBook } from "../throughput.js";

/** How often the counters are sampled into per-minute counts. */
const SAMPLE_MS = 5000;

/**
 * `GET /api/v1/throughput?minutes=60`: events accepted and stored per minute over the last hour and
 * deliveries per destination. A process that stores (standalone, inline processing) counts both
 * itself (`counted: "process"`); a private API without the stages (distributed) counts the stored
 * events in the store by the minute they were accepted, and cannot see what other processes accepted
 * (`counted: "store"`, `accepted: null`).
 */
export function throughputRoutes(app: FastifyInstance, runtime: Runtime): void {
  const book = new ThroughputBook(60);
  const storesHere = async () =>
    (await runtime.processingStats().catch(() => ({ stages: [] as string[] }))).stages.includes("storage");

  const sample = async () => {
    const metrics = await runtime.metricValues();
    const now = Date.now();
    book.record(
      {
        accepted: metricTotal(metrics, "tracardi_events_accepted_total"),
        stored: metricTotal(metrics, "tracardi_events_stored_total"),
      },
      now,
    );
    const local = await storesHere();
    if (!local) {
      // This minute and the one before: what was accepted then may be stored a little later.
      const current = Math.floor(now / MINUTE_MS) * MINUTE_MS;
      for (const start of [current - MINUTE_MS, current]) {
        const from = new Date(start).toISOString();
        const to = new Date(start + MINUTE_MS).toISOString();
        // A store out of reach keeps the last counts (the status endpoint names the problem).
        const counted = await runtime.data.events({ from, to, limit: 1, offset: 0 }).catch(() => null);
        if (counted) book.setStored(start, counted.total);
      }
    }
    return { metrics, local };
  };
  const timer = setInterval(() => {
    sample().catch(() => {});
  }, SAMPLE_MS);
  timer.unref();
  app.addHook("onClose", async () => clearInterval(timer));

  app.get<{ Querystring: Record<string, string | undefined> }>("/api/v1/throughput", async (request) => {
    const minutes = integerParam(request.query, "minutes", 60, 1, 60);
    // Sampled now too, so what happened since the last sample shows at once.
    const { metrics, local } = await sample();
    const series = book.series(Date.now(), minutes);
    return {
      counted: local ? "process" : "store",
      minutes: local ? series : series.map((m) => ({ ...m, accepted: null })),
      deliveries: deliveryCounts(metrics),
    };
  });
}
