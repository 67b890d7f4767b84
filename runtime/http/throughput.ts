/** What these functions read of a registry's metrics as JSON (prom-client's `getMetricsAsJSON`). */
export type MetricValues = readonly {
  name: string;
  values: readonly { labels: Partial<Record<string, string | number>>; value: number }[];
}[];

/** Events accepted (queued by `/track` and `/collect`) and stored in one minute. */
export interface MinuteCounts {
  /** Start of the minute, ISO 8601. */
  time: string;
  accepted: number;
  stored: number;
}

/** Webhook deliveries of one destination since the process started. */
export interface DeliveryCounts {
  destination: string;
  delivered: number;
  failed: number;
}

export interface CounterTotals {
  accepted: number;
  stored: number;
}

export const MINUTE_MS = 60_000;

/**
 * Per-minute counts built from samples of ever-growing counters: each sample's growth since the
 * previous one goes to the minute the sample was taken in. Keeps `keepMinutes` minutes.
 */
export class ThroughputBook {
  private last: CounterTotals = { accepted: 0, stored: 0 };
  private readonly minutes = new Map<number, CounterTotals>();

  constructor(private readonly keepMinutes = 60) {}

  record(totals: CounterTotals, now: number): void {
    // A counter that went down was reset (a restarted processing thread): count from zero again.
    const grown = (key: keyof CounterTotals) =>
      totals[key] >= this.last[key] ? totals[key] - this.last[key] : totals[key];
    const minute = Math.floor(now / MINUTE_MS);
    const bucket = this.minutes.get(minute) ?? { accepted: 0, stored: 0 };
    bucket.accepted += grown("accepted");
    bucket.stored += grown("stored");
    this.minutes.set(minute, bucket);
    this.last = { ...totals };
    for (const key of this.minutes.keys()) if (key <= minute - this.keepMinutes) this.minutes.delete(key);
  }

  /** Sets the stored count of the minute starting at `minuteStart` (counted elsewhere, e.g. in the store). */
  setStored(minuteStart: number, stored: number): void {
    const minute = Math.floor(minuteStart / MINUTE_MS);
    const bucket = this.minutes.get(minute) ?? { accepted: 0, stored: 0 };
    this.minutes.set(minute, { ...bucket, stored });
  }

  /** The last `count` minutes up to the one `now` is in, oldest first, minutes without samples as 0. */
  series(now: number, count = this.keepMinutes): MinuteCounts[] {
    const current = Math.floor(now / MINUTE_MS);
    const series: MinuteCounts[] = [];
    for (let minute = current - Math.min(count, this.keepMinutes) + 1; minute <= current; minute++) {
      const counts = this.minutes.get(minute) ?? { accepted: 0, stored: 0 };
      series.push({ time: new Date(minute * MINUTE_MS).toISOString(), ...counts });
    }
    return series;
  }
}

/** Sum of one metric's values (all label sets), 0 when the registry does not have it. */
export function metricTotal(metrics: MetricValues, name: string): number {
  const metric = metrics.find((m) => m.name === name);
  return (metric?.values ?? []).reduce((sum, v) => sum + Number(v.value), 0);
}

/** `tracardi_deliveries_total` by destination. */
export function deliveryCounts(metrics: MetricValues): DeliveryCounts[] {
  const metric = metrics.find((m) => m.name === "tracardi_deliveries_total");
  const byDestination = new Map<string, DeliveryCounts>();
  for (const { labels, value } of metric?.values ?? []) {
    const destination = String(labels.destination ?? "");
    const counts = byDestination.get(destination) ?? { destination, delivered: 0, failed: 0 };
    if (labels.result === "delivered") counts.delivered += Number(value);
    else counts.failed += Number(value);
    byDestination.set(destination, counts);
  }
  return [...byDestination.values()].sort((a, b) => a.destination.localeCompare(b.destination));
}
