import { listenerPid, processCpuSeconds } from "./lib.js";

/**
 * What the refresh policy of a bulk costs OpenSearch: 60 bulks of 150 documents into three fresh
 * indices per policy, three rounds alternating the policies; OpenSearch's CPU time (from /proc, the
 * process listening on the URL's port) above its rate while idle for as long, per 1,000 documents.
 *
 *   node dist/bench/search-refresh.js [url] [policies]
 *     (defaults http://127.0.0.1:19200, infra/opensearch.sh; true,wait_for,false)
 */
const url = process.argv[2] ?? "http://127.0.0.1:19200";
const port = new URL(url).port;
const pid = listenerPid(Number(port));
if (!pid) throw new Error(`no process listens on port ${port}`);
const cpu = () => processCpuSeconds(pid);
const POLICIES = (process.argv[3] ?? "true,wait_for,false").split(",");
const BULKS = 60;
const PER_BULK = 150;
const run = `bench-refresh-${Date.now().toString(36)}`;
const indices = ["profile", "session", "event"].map((kind) => `${run}-${kind}`);
const json = { "content-type": "application/json" };
for (const index of indices)
  await fetch(`${url}/${index}`, {
    method: "PUT",
    headers: json,
    body: JSON.stringify({ settings: { number_of_shards: 1, number_of_replicas: 0 } }),
  });
let n = 0;
const doc = (i: number) =>
  JSON.stringify({
    id: `d${i}`,
    type: "page-view",
    properties: { url: `http://x/${i}`, title: "t".repeat(200) },
  });
async function bulks(refresh: string): Promise<void> {
  for (let b = 0; b < BULKS; b++) {
    const lines: string[] = [];
    for (let k = 0; k < PER_BULK; k++, n++)
      lines.push(JSON.stringify({ index: { _index: indices[k % 3], _id: `d${n}` } }), doc(n));
    const res = await fetch(`${url}/_bulk?refresh=${refresh}`, {
      method: "POST",
      headers: { "content-type": "application/x-ndjson" },
      body: `${lines.join("\n")}\n`,
    });
    if (res.status !== 200) throw new Error(`bulk: ${res.status}`);
    await res.arrayBuffer();
  }
}
try {
  process.stdout.write(
    "| refresh | s for the bulks | OpenSearch CPU ms per 1,000 documents (above idle) |\n|---|---|---|\n",
  );
  for (let round = 0; round < 3; round++)
    for (const policy of POLICIES) {
      const cpu0 = cpu();
      const t0 = performance.now();
      await bulks(policy);
      const cpu1 = cpu();
      const elapsed = performance.now() - t0;
      const idleMs = Math.min(3000, elapsed);
      await new Promise((r) => setTimeout(r, idleMs));
      const idle = ((cpu() - cpu1) / idleMs) * elapsed;
      const per1k = ((cpu1 - cpu0 - idle) * 1_000_000) / (BULKS * PER_BULK);
      process.stdout.write(`| ${policy} | ${(elapsed / 1000).toFixed(1)} | ${per1k.toFixed(0)} |\n`);
    }
} finally {
  for (const index of indices) await fetch(`${url}/${index}`, { method: "DELETE" });
}
