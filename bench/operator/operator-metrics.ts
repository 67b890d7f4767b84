/** The operator's Prometheus text (/metrics), read by the benches. */
export interface Sample {
  name: string;
  /** The label set as written, e.g. `method="GET",code="200"`; "" without labels. */
  labels: string;
  value: number;
}

export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (match?.[1] && match[3])
      samples.push({ name: match[1], labels: match[2] ?? "", value: Number(match[3]) });
  }
  return samples;
}

export async function readMetrics(port: number): Promise<Sample[]> {
  return parseMetrics(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
}

export const total = (samples: Sample[], name: string): number =>
  samples.filter((s) => s.name === name).reduce((sum, s) => sum + s.value, 0);

/** Per label set, how much `name` grew from `before` to `after` (only the label sets that grew). */
export function growth(before: Sample[], after: Sample[], name: string): Map<string, number> {
  const was = new Map(before.filter((s) => s.name === name).map((s) => [s.labels, s.value]));
  const grew = new Map<string, number>();
  for (const s of after.filter((x) => x.name === name)) {
    const delta = s.value - (was.get(s.labels) ?? 0);
    if (delta > 0) grew.set(s.labels, delta);
  }
  return grew;
}

export const MiB = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MiB`;
