/**
 * A runtime replica's request counters, read from its `/metrics` (tracardi_http_requests_total,
 * tracardi_http_server_errors_total, tracardi_runtime_start_time_seconds), and a window of them per
 * replica: counters only say "since start", so a rate needs two looks at the same process.
 */
export interface RequestSample {
  /** The replica (pod name) and when its process started: a restart starts a new series. */
  pod: string;
  startedAt: number;
  /** `api method route` → code class (`2xx`, `5xx`, …) → count. */
  requests: Map<string, Map<string, number>>;
  /** `api method route` → error → count. */
  errors: Map<string, Map<string, number>>;
}

/** A sample and when the operator took it (ms since the epoch). */
export interface TimedSample {
  at: number;
  sample: RequestSample;
}

const LINE = /^(\w+)\{([^}]*)\}\s+(\S+)/;
const LABEL = /(\w+)="((?:[^"\\]|\\.)*)"/g;

function labels(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(LABEL)) {
    out[m[1] as string] = (m[2] as string).replace(/\\n/g, "\n").replace(/\\(.)/g, "$1");
  }
  return out;
}

function add(map: Map<string, Map<string, number>>, key: string, inner: string, n: number): void {
  const m = map.get(key) ?? new Map<string, number>();
  m.set(inner, (m.get(inner) ?? 0) + n);
  map.set(key, m);
}

/** The request counters of one `/metrics` answer; null when it has no replica identity (not a runtime of this version). */
export function parseRequestMetrics(text: string): RequestSample | null {
  let identity: { pod: string; startedAt: number } | null = null;
  const requests = new Map<string, Map<string, number>>();
  const errors = new Map<string, Map<string, number>>();
  for (const line of text.split("\n")) {
    const m = LINE.exec(line);
    if (!m) continue;
    const [, name, labelText, value] = m as unknown as [string, string, string, string];
    const l = labels(labelText);
    const n = Number(value);
    if (!Number.isFinite(n)) continue;
    const route = `${l.api} ${l.method} ${l.route}`;
    if (name === "tracardi_runtime_start_time_seconds") identity = { pod: l.pod ?? "?", startedAt: n };
    else if (name === "tracardi_http_requests_total") add(requests, route, l.code ?? "?", n);
    else if (name === "tracardi_http_server_errors_total") add(errors, route, l.error ?? "?", n);
  }
  return identity === null ? null : { ...identity, requests, errors };
}

/** The window APIsHealthy looks at, and the share of 5xx above which a route is unhealthy. */
export const WINDOW_MS = 5 * 60_000;
export const MAX_SERVER_ERROR_RATIO = 0.01;

/**
 * Adds a sample to a replica history (all replicas of one Tracardi) and forgets what the window no
 * longer needs: per series, samples at or before the window's start except the newest of them (the baseline).
 */
export function addSample(
  history: readonly TimedSample[],
  next: TimedSample,
  windowMs = WINDOW_MS,
): TimedSample[] {
  const all = [...history, next];
  const start = next.at - windowMs;
  // A replica not seen for two windows is gone (or never picked by the Service): forget it.
  const alive = new Set(all.filter((s) => s.at > next.at - 2 * windowMs).map(seriesOf));
  return all.filter((s) => {
    if (!alive.has(seriesOf(s))) return false;
    if (s.at > start) return true;
    // The newest sample at or before the window's start is the series' baseline; older ones go.
    return !all.some((o) => seriesOf(o) === seriesOf(s) && o.at <= start && o.at > s.at);
  });
}

const seriesOf = (s: TimedSample) => `${s.sample.pod}@${s.sample.startedAt}`;

/** Counts per route over the window, summed over the replicas sampled. */
export interface RouteCounts {
  total: number;
  serverErrors: number;
  errors: Map<string, number>;
}

function diff(
  newer: Map<string, Map<string, number>>,
  older: Map<string, Map<string, number>> | undefined,
  each: (key: string, inner: string, n: number) => void,
): void {
  for (const [key, inner] of newer) {
    for (const [k, n] of inner) {
      const d = n - (older?.get(key)?.get(k) ?? 0);
      if (d > 0) each(key, k, d);
    }
  }
}

/**
 * Requests and 5xx per route in the window ending at `now`. Per replica series: newest minus the
 * sample at or before the window's start (or the oldest in it); a process that started within the
 * window counts from zero. Replicas are summed.
 */
export function routeCounts(
  history: readonly TimedSample[],
  now: number,
  windowMs = WINDOW_MS,
): Map<string, RouteCounts> {
  const start = now - windowMs;
  const bySeries = new Map<string, TimedSample[]>();
  for (const s of history) bySeries.set(seriesOf(s), [...(bySeries.get(seriesOf(s)) ?? []), s]);
  const counts = new Map<string, RouteCounts>();
  const entry = (route: string) => {
    const c = counts.get(route) ?? { total: 0, serverErrors: 0, errors: new Map<string, number>() };
    counts.set(route, c);
    return c;
  };
  for (const samples of bySeries.values()) {
    samples.sort((a, b) => a.at - b.at);
    const newest = samples.at(-1) as TimedSample;
    if (newest.at < start) continue;
    const startedInWindow = newest.sample.startedAt * 1000 >= start;
    const base = startedInWindow
      ? undefined
      : ([...samples].reverse().find((s) => s.at <= start) ?? samples[0]);
    if (!startedInWindow && base === newest) continue;
    diff(newest.sample.requests, base?.sample.requests, (route, code, n) => {
      const c = entry(route);
      c.total += n;
      if (code === "5xx") c.serverErrors += n;
    });
    diff(newest.sample.errors, base?.sample.errors, (route, error, n) => {
      const c = entry(route);
      c.errors.set(error, (c.errors.get(error) ?? 0) + n);
    });
  }
  return counts;
}
