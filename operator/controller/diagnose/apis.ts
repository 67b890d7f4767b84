import {
  MAX_SERVER_ERROR_RATIO,
  type RouteCounts,
  routeCounts,
  type TimedSample,
  WINDOW_MS,
} from "./request-metrics.js";
import { type CheckResult, CONDITION } from "./types.js";

/** What the operator could read of the APIs' metrics this time: the components it could not read, and why. */
export interface ApiMetricsView {
  history: readonly TimedSample[];
  /** e.g. `public-api: no pod is ready`; all APIs unread → Unknown. */
  unread: string[];
  /** How many APIs were asked. */
  asked: number;
}

const API_NAME: Record<string, string> = { public: "public API", private: "private API" };
const COMPONENT: Record<string, string> = { public: "public-api", private: "private-api" };
const percent = (r: number) => `${(r * 100).toFixed(r < 0.1 ? 1 : 0)} %`;

function describeRoute(route: string, c: RouteCounts): string {
  const [api = "", method = "", path = ""] = route.split(" ");
  const [top] = [...c.errors].sort((a, b) => b[1] - a[1]);
  const error = top ? `, most often ${top[0]} (${top[1]})` : "";
  return `${API_NAME[api] ?? api} ${method} ${path}: ${c.serverErrors} of ${c.total} requests (${percent(c.serverErrors / c.total)}) answered 5xx${error}`;
}

/**
 * APIsHealthy (seed items 2 and 3: a 500, or a 200 whose data never arrives because a route fails):
 * False/ServerErrors when a route of the public or private API answered more than 1 % 5xx over the
 * last 5 minutes, naming the route and its most frequent error, worst route first.
 */
export function diagnoseApis(view: ApiMetricsView, now: Date): CheckResult {
  const type = CONDITION.APIsHealthy;
  if (view.asked > 0 && view.unread.length >= view.asked) {
    return {
      type,
      status: "Unknown",
      reason: "MetricsUnavailable",
      message: `could not read the APIs' metrics: ${view.unread.join("; ")}`,
    };
  }
  const failing = [...routeCounts(view.history, now.getTime(), WINDOW_MS)]
    .filter(([, c]) => c.total > 0 && c.serverErrors / c.total > MAX_SERVER_ERROR_RATIO)
    .sort((a, b) => b[1].serverErrors / b[1].total - a[1].serverErrors / a[1].total);
  if (failing.length > 0) {
    const components = [...new Set(failing.map(([route]) => COMPONENT[route.split(" ")[0] ?? ""] ?? "?"))];
    const logs = components.map((c) => `kubectl logs -l app.kubernetes.io/component=${c}`).join(", ");
    return {
      type,
      status: "False",
      reason: "ServerErrors",
      message: `${failing.map(([route, c]) => describeRoute(route, c)).join("; ")} in the last 5 minutes; the pods log each failed request with its stack (${logs})`,
    };
  }
  return {
    type,
    status: "True",
    reason: "NoServerErrors",
    message: `no API route answered more than ${percent(MAX_SERVER_ERROR_RATIO)} 5xx in the last 5 minutes`,
  };
}
