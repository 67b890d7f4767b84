/**
 * Operator benchmark against a cluster (default: the local control plane, e2e/.cluster/kubeconfig).
 *   node dist/bench/operator/run.js [--count 200] [--rest-seconds 120]
 * Measures: apply → all Deployments created, apply → Ready=True, OOM fault → ComponentsHealthy=OOMKilled,
 * N resources → all Ready, operator RSS, API requests per resource at rest.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { KubeConfig } from "@kubernetes/client-node";
import { tracardiCrd } from "../../operator/api/crd.js";
import { KubeHttp } from "../../operator/kube/http.js";
import { RESOURCES, resourcePath } from "../../operator/kube/resources.js";
import { generateLicenseKeyPair, issueLicense } from "../../runtime/license/index.js";

const ROOT = resolve(import.meta.dirname, "../../..");
const { values } = parseArgs({
  options: { count: { type: "string" }, "rest-seconds": { type: "string" }, repeat: { type: "string" } },
});
const COUNT = Number(values.count ?? 200);
const REST_SECONDS = Number(values["rest-seconds"] ?? 120);
const REPEAT = Number(values.repeat ?? 5);
const RESYNC_SECONDS = 60;

const kc = new KubeConfig();
kc.loadFromFile(process.env.KUBECONFIG ?? join(ROOT, "e2e/.cluster/kubeconfig"));
const http = new KubeHttp(kc);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ns = `bench-op-${Date.now().toString(36)}`;

interface Cond {
  type: string;
  status: string;
  reason: string;
}
interface TracardiLite {
  metadata: { name: string };
  status?: { conditions?: Cond[] };
}

async function applyCrd(): Promise<void> {
  await http.request({
    method: "PATCH",
    path: "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/tracardis.tracardi.io",
    query: { fieldManager: "tracardi-bench", force: "true" },
    body: tracardiCrd(),
    contentType: "application/apply-patch+yaml",
  });
  await waitUntil(async () => {
    try {
      await http.request({ method: "GET", path: resourcePath(RESOURCES.tracardi) });
      return true;
    } catch {
      return false;
    }
  }, 30_000);
}

async function waitUntil(
  probe: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs = 100,
): Promise<number> {
  const start = performance.now();
  while (performance.now() - start < timeoutMs) {
    if (await probe()) return performance.now() - start;
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms`);
}

function tracardi(name: string, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: "tracardi.io/v1alpha1",
    kind: "Tracardi",
    metadata: { name, namespace: ns },
    spec: {
      license: { secretRef: { name: "lic" } },
      search: { url: "http://es:9200" },
      mysql: { host: "mysql" },
      pulsar: { url: "pulsar://pulsar:6650" },
      ...extra,
    },
  };
}

const create = (name: string) =>
  http.request({ method: "POST", path: resourcePath(RESOURCES.tracardi, ns), body: tracardi(name) });

async function deploymentCount(name: string): Promise<number> {
  const list = await http.request<{ items: unknown[] }>({
    method: "GET",
    path: resourcePath(RESOURCES.deployment, ns),
    query: { labelSelector: `app.kubernetes.io/instance=${name}` },
  });
  return list.items.length;
}

async function conditionOf(name: string, type: string): Promise<Cond | undefined> {
  const t = await http.request<TracardiLite>({
    method: "GET",
    path: resourcePath(RESOURCES.tracardi, ns, name),
  });
  return t.status?.conditions?.find((c) => c.type === type);
}

function startOperator(publicKey: string, port: number): ChildProcess {
  return spawn(
    process.execPath,
    [
      join(ROOT, "dist/operator/main.js"),
      "--namespace",
      ns,
      "--leader-elect",
      "false",
      "--http-port",
      String(port),
      "--resync-seconds",
      String(RESYNC_SECONDS),
      "--log-level",
      "warn",
    ],
    {
      env: { ...process.env, TRACARDI_LICENSE_PUBLIC_KEY: publicKey },
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
}

function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8")
    .split("\n")
    .find((l) => l.startsWith("VmRSS:"));
  return Math.round(Number(line?.split(/\s+/)[1] ?? 0) / 1024);
}

async function metric(port: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return text
    .split("\n")
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .reduce((sum, l) => sum + Number(l.split(" ").pop()), 0);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const ms = (x: number) => `${Math.round(x)} ms`;

async function main(): Promise<void> {
  await applyCrd();
  await http.request({ method: "POST", path: "/api/v1/namespaces", body: { metadata: { name: ns } } });
  const pair = generateLicenseKeyPair();
  const key = issueLicense(
    { owner: "bench", expires: new Date(Date.now() + 365 * 86_400_000) },
    pair.privateKey,
  );
  await http.request({
    method: "POST",
    path: resourcePath(RESOURCES.secret, ns),
    body: { metadata: { name: "lic" }, stringData: { "license-key": key } },
  });
  const port = 19_000 + Math.floor(Math.random() * 500);
  const op = startOperator(pair.publicKey, port);
  await waitUntil(
    async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok === true,
    30_000,
  );
  const results: Record<string, string | number> = {};
  try {
    const toDeployments: number[] = [];
    const toReady: number[] = [];
    for (let i = 0; i < REPEAT; i++) {
      const name = `single-${i}`;
      const start = performance.now();
      await create(name);
      await waitUntil(async () => (await deploymentCount(name)) === 4, 30_000, 20);
      toDeployments.push(performance.now() - start);
      await waitUntil(async () => (await conditionOf(name, "Ready"))?.status === "True", 60_000, 50);
      toReady.push(performance.now() - start);
    }
    results["apply → 4 Deployments created (median)"] = ms(median(toDeployments));
    results["apply → Ready=True (median)"] = ms(median(toReady));

    const toOom: number[] = [];
    for (let i = 0; i < Math.min(REPEAT, 3); i++) {
      const name = `single-${i}`;
      const patch = (labels: Record<string, string> | null) =>
        http.request({
          method: "PATCH",
          path: resourcePath(RESOURCES.tracardi, ns, name),
          body: { spec: { workers: { background: { podLabels: labels } } } },
          contentType: "application/merge-patch+json",
        });
      const start = performance.now();
      await patch({ "e2e.tracardi.io/fault": "oom" });
      await waitUntil(
        async () => (await conditionOf(name, "ComponentsHealthy"))?.reason === "OOMKilled",
        60_000,
        50,
      );
      toOom.push(performance.now() - start);
      await patch(null);
      await waitUntil(async () => (await conditionOf(name, "Ready"))?.status === "True", 60_000, 100);
    }
    results["fault label → ComponentsHealthy=OOMKilled (median; includes rollout + kwok's 1 s fault delay)"] =
      ms(median(toOom));

    const start = performance.now();
    const names = Array.from({ length: COUNT }, (_, i) => `many-${i}`);
    for (let i = 0; i < names.length; i += 20) await Promise.all(names.slice(i, i + 20).map(create));
    const created = performance.now() - start;
    await waitUntil(
      async () => {
        const list = await http.request<{ items: TracardiLite[] }>({
          method: "GET",
          path: resourcePath(RESOURCES.tracardi, ns),
        });
        const ready = list.items.filter((t) =>
          t.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
        ).length;
        return ready === COUNT + REPEAT;
      },
      30 * 60_000,
      1000,
    );
    results[`${COUNT} resources created (client side)`] = ms(created);
    results[`${COUNT} resources → all Ready=True`] = ms(performance.now() - start);
    results["operator RSS after scale-up"] = `${rssMiB(op.pid ?? 0)} MiB`;
    results["operator JS heap used after scale-up"] =
      `${Math.round((await metric(port, "tracardi_operator_nodejs_heap_size_used_bytes")) / 1048576)} MiB`;

    await sleep(5000);
    const before = await metric(port, "tracardi_operator_api_requests_total");
    const reconcilesBefore = await metric(port, "tracardi_operator_reconcile_total");
    await sleep(REST_SECONDS * 1000);
    const requests = (await metric(port, "tracardi_operator_api_requests_total")) - before;
    const reconciles = (await metric(port, "tracardi_operator_reconcile_total")) - reconcilesBefore;
    const resources = COUNT + REPEAT;
    results[`at rest over ${REST_SECONDS} s (resync ${RESYNC_SECONDS} s): API requests / resource / min`] = (
      requests /
      resources /
      (REST_SECONDS / 60)
    ).toFixed(2);
    results["at rest: API requests per reconcile"] = reconciles ? (requests / reconciles).toFixed(1) : "n/a";
    results["at rest: same, scaled to the default 300 s resync (req / resource / min)"] = (
      (requests / resources / (REST_SECONDS / 60)) *
      (RESYNC_SECONDS / 300)
    ).toFixed(2);
    results["operator RSS at rest"] = `${rssMiB(op.pid ?? 0)} MiB`;
    results["operator JS heap used at rest"] =
      `${Math.round((await metric(port, "tracardi_operator_nodejs_heap_size_used_bytes")) / 1048576)} MiB`;
  } finally {
    op.kill("SIGTERM");
    await http.request({ method: "DELETE", path: `/api/v1/namespaces/${ns}` }).catch(() => undefined);
    http.close();
  }
  const width = Math.max(...Object.keys(results).map((k) => k.length));
  for (const [k, v] of Object.entries(results)) process.stdout.write(`${k.padEnd(width)}  ${v}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/operator: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
