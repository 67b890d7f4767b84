import { hostname } from "node:os";
import type { FastifyInstance, FastifyRequest } from "fastify";
import client from "prom-client";
import { withoutCredentials } from "./errors.js";

/** Which API a request came to: the label `api` of the request metrics. */
export type ApiName = "public" | "private";

/** A 5xx's `error` label: at most this long, and at most this many distinct values per route. */
const MAX_ERROR_LABEL = 120;
const MAX_ERRORS_PER_ROUTE = 20;

/**
 * Requests by API, route pattern and status class, and 5xx answers by their error, so that the
 * operator (APIsHealthy) and dashboards see a route answering 500s and why, from `/metrics` alone.
 */
export class RequestMetrics {
  readonly requests: client.Counter<"api" | "method" | "route" | "code">;
  readonly serverErrors: client.Counter<"api" | "method" | "route" | "error">;
  private readonly errorsSeen = new Map<string, Set<string>>();

  constructor(registry: client.Registry) {
    this.requests = new client.Counter({
      name: "tracardi_http_requests_total",
      help: "Requests answered, by API (public, private), method, route pattern and status class (2xx, 3xx, 4xx, 5xx)",
      labelNames: ["api", "method", "route", "code"] as const,
      registers: [registry],
    });
    this.serverErrors = new client.Counter({
      name: "tracardi_http_server_errors_total",
      help: "Requests answered with a 5xx, by API, method, route pattern and the error that caused it",
      labelNames: ["api", "method", "route", "error"] as const,
      registers: [registry],
    });
    // Tells the replicas behind one Service apart, and a restarted replica (its counters start at 0) from itself.
    new client.Gauge({
      name: "tracardi_runtime_start_time_seconds",
      help: "When this runtime process started (Unix seconds), labelled with its host name (the pod name)",
      labelNames: ["pod"] as const,
      registers: [registry],
    }).set({ pod: hostname() }, Math.round(Date.now() / 1000 - process.uptime()));
  }

  /** Counts every answer of `app`; a 5xx also by its error (as thrown, before the error handler). */
  install(app: FastifyInstance, api: ApiName): void {
    const errors = new WeakMap<FastifyRequest, unknown>();
    app.addHook("onError", async (request, _reply, error) => {
      errors.set(request, error);
    });
    app.addHook("onResponse", async (request, reply) => {
      const route = request.routeOptions.url ?? "unmatched";
      const method = request.method;
      const status = reply.statusCode;
      this.requests.inc({ api, method, route, code: `${Math.floor(status / 100)}xx` });
      if (status >= 500)
        this.serverErrors.inc({
          api,
          method,
          route,
          error: this.errorLabel(route, errors.get(request), status),
        });
    });
  }

  private errorLabel(route: string, error: unknown, status: number): string {
    const text =
      error instanceof Error
        ? `${error.name}: ${withoutCredentials(error.message).replace(/\s+/g, " ")}`
        : `HTTP ${status}`;
    const label = text.length > MAX_ERROR_LABEL ? `${text.slice(0, MAX_ERROR_LABEL - 1)}…` : text;
    const seen = this.errorsSeen.get(route) ?? new Set<string>();
    this.errorsSeen.set(route, seen);
    if (seen.has(label)) return label;
    if (seen.size >= MAX_ERRORS_PER_ROUTE) return "other";
    seen.add(label);
    return label;
  }
}
