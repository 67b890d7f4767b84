import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "tracardi_operator_" });
  return {
    registry,
    reconcileTotal: new Counter({
      name: "tracardi_operator_reconcile_total",
      help: "Reconciles by result",
      labelNames: ["result"] as const,
      registers: [registry],
    }),
    reconcileDuration: new Histogram({
      name: "tracardi_operator_reconcile_duration_seconds",
      help: "Reconcile duration",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: "tracardi_operator_workqueue_depth",
      help: "Keys waiting in the work queue",
      registers: [registry],
    }),
    informerRestarts: new Counter({
      name: "tracardi_operator_informer_restarts_total",
      help: "Informer list/watch restarts by resource",
      labelNames: ["resource"] as const,
      registers: [registry],
    }),
    permissionDenied: new Counter({
      name: "tracardi_operator_permission_denied_total",
      help: "Lists and watches the API server refused (403: the operator's RBAC lacks a permission)",
      labelNames: ["resource"] as const,
      registers: [registry],
    }),
    licenseExpiry: new Gauge({
      name: "tracardi_license_expiry_timestamp_seconds",
      help: "Unix time at which the licence of a Tracardi expires",
      labelNames: ["namespace", "name"] as const,
      registers: [registry],
    }),
    informerLastEventAge: new Gauge({
      name: "tracardi_operator_informer_last_event_age_seconds",
      help: "Seconds since an informer last heard from the API server (list, event or bookmark)",
      labelNames: ["resource"] as const,
      registers: [registry],
    }),
    apiRequests: new Counter({
      name: "tracardi_operator_api_requests_total",
      help: "Requests to the API server (watches excluded) by method and status code",
      labelNames: ["method", "code"] as const,
      registers: [registry],
    }),
    pulsarAdminRequests: new Counter({
      name: "tracardi_operator_pulsar_admin_requests_total",
      help: "Requests to Pulsar's admin API (autoscaling reads the backlog) by status code; error when none came",
      labelNames: ["code"] as const,
      registers: [registry],
    }),
    isLeader: new Gauge({
      name: "tracardi_operator_leader",
      help: "1 when this replica holds the leader lease",
      registers: [registry],
    }),
    eventsTotal: new Counter({
      name: "tracardi_operator_events_total",
      help: "Kubernetes Events recorded by type and reason",
      labelNames: ["type", "reason"] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
