import type { FastifyInstance } from "fastify";
import type { Runtime } from "../../runtime.js";
import { integerParam } from "../query.js";
import { deliveryCounts, metricTotal, ThroughputBook } from "../throughput.js";

/** How often the counters are sampled into per-minute counts. */
const SAMPLE_MS = 5000;

/**
 * `GET /api/v1/throughput?minutes=60`: events accepted and stored per minute over the last hour and
 * deliveries per destination, as counted by this process (standalone: the whole pipeline).
 */
export function throughputRoutes(app: FastifyInstance, runtime: Runtime): void {
  const book = new ThroughputBook(60);
  const sample = async () => {
    const metrics = await runtime.metricValues();
    book.record(
      {
        accepted: metricTotal(metrics, "tracardi_events_accepted_total"),
        stored: metricTotal(metrics, "tracardi_events_stored_total"),
      },
      Date.now(),
    );
    return metrics;
  };
  const timer = setInterval(() => {
    sample().catch(() => {});
  }, SAMPLE_MS);
  timer.unref();
  app.addHook("onClose", async () => clearInterval(timer));

  app.get<{ Querystring: Record<string, string | undefined> }>("/api/v1/throughput", async (request) => {
    const minutes = integerParam(request.query, "minutes", 60, 1, 60);
    // Sampled now too, so what happened since the last sample shows at once.
    const metrics = await sample();
    return {
      minutes: book.series(Date.now(), minutes),
      deliveries: deliveryCounts(metrics),
      stages: (await runtime.processingStats().catch(() => ({ stages: [] as string[] }))).stages,
    };
  });
}
