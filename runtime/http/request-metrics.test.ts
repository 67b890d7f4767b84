import Fastify from "fastify";
import client from "prom-client";
import { describe, expect, it } from "vitest";
import { installErrorHandler } from "./errors.js";
import { RequestMetrics } from "./request-metrics.js";

async function appWithMetrics() {
  const registry = new client.Registry();
  const metrics = new RequestMetrics(registry);
  const app = Fastify();
  installErrorHandler(app);
  metrics.install(app, "private");
  app.get("/ok/:id", async () => ({ ok: true }));
  app.get("/boom/:id", async (request) => {
    throw new Error(`search at http://user:secret@es:9200 refused ${(request.params as { id: string }).id}`);
  });
  return { app, text: () => registry.metrics() };
}

describe("RequestMetrics", () => {
  it("counts 5xx answers by route pattern and by the error, without credentials", async () => {
    const { app, text } = await appWithMetrics();
    await app.inject({ url: "/ok/1" });
    await app.inject({ url: "/boom/1" });
    await app.inject({ url: "/boom/1" });
    await app.inject({ url: "/missing" });
    const metrics = await text();
    expect(metrics).toContain(
      'tracardi_http_requests_total{api="private",method="GET",route="/ok/:id",code="2xx"} 1',
    );
    expect(metrics).toContain(
      'tracardi_http_requests_total{api="private",method="GET",route="/boom/:id",code="5xx"} 2',
    );
    expect(metrics).toContain(
      'tracardi_http_server_errors_total{api="private",method="GET",route="/boom/:id",error="Error: search at http://es:9200 refused 1"} 2',
    );
    expect(metrics).toContain('route="unmatched",code="4xx"} 1');
  });

  it("keeps at most 20 distinct errors per route, counting the rest as other", async () => {
    const { app, text } = await appWithMetrics();
    for (let i = 0; i < 25; i++) await app.inject({ url: `/boom/${i}` });
    const metrics = await text();
    expect(metrics.match(/tracardi_http_server_errors_total\{/g)).toHaveLength(21);
    expect(metrics).toContain('route="/boom/:id",error="other"} 5');
  });
});
