/**
 * Autoscaling benchmark against a cluster (default: the local control plane, e2e/.cluster/kubeconfig)
 * and the real Pulsar of infra/ (shared; started if it does not run, never stopped).
 *   node dist/bench/operator/autoscaling.js [--count 50] [--rest-seconds 60] [--interval 15]
 * N Tracardis with the collector and background workers autoscaled (target 50 per replica, max 4).
 * Measures: operator requests per resource per minute (Kubernetes API, Pulsar admin API) at rest and
 * in the minute after a backlog of 200 lands on every collector; time from that backlog to 2 and to 4
 * collector replicas Ready (kwok pods are Ready at once: this is the operator's share, which the
 * interval dominates).
 */

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { KubeConfig } from "@kubernetes/client-node";
import { tracardiCrd } from "../../operator/api/crd.js";
import type { Tracardi } from "../../operator/api/types.js";
import { desiredState } from "../../operator/controller/desired/index.js";
import { KubeHttp } from "../../operator/kube/http.js";
import { RESOURCES, resourcePath } from "../../operator/kube/resources.js";
import { PulsarQueue } from "../../runtime/adapters/pulsar/queue.js";
import { errorMessage } from "../../runtime/error-message.js";
import { generateLicenseKeyPair, issueLicense } from "../../runtime/license/index.js";
import { deploymentsDemand, times } from "./capacity.js";
import { deleteNodes, sizeClusterFor } from "./kwok-nodes.js";

const ROOT = resolve(import.meta.dirname, "../../..");
const { values } = parseArgs({
  options: {
    count: { type: "string" },
    "rest-seconds": { type: "string" },
    interval: { type: "string" },
  },
});
const COUNT = Number(values.count ?? 50);
const REST_SECONDS = Number(values["rest-seconds"] ?? 60);
const INTERVAL = Number(values.interval ?? 15);
const BACKLOG = 200;
const TARGET = 50;
const MAX = 4;

const KUBECONFIG = process.env.KUBECONFIG ?? join(ROOT, "e2e/.cluster/kubeconfig");
const kc = new KubeConfig();
kc.loadFromFile(KUBECONFIG);
const http = new KubeHttp(kc);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const run = randomBytes(3).toString("hex");
const ns = `bench-as-${run}`;
const prefixOf = (i: number) => `bench-as-${run}-${i}-`;

async function waitUntil(probe: () => Promise<boolean>, timeoutMs: number, intervalMs = 200): Promise<void> {
  const start = performance.now();
  while (performance.now() - start < timeoutMs) {
    if (await probe()) return;
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms`);
}

async function metric(port: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return text
    .split("\n")
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .reduce((sum, l) => sum + Number(l.split(" ").pop()), 0);
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
      "--autoscale-interval-seconds",
      String(INTERVAL),
      "--log-level",
      "warn",
    ],
    {
      // The cluster the bench measures, not whatever ~/.kube/config names.
      env: { ...process.env, KUBECONFIG, TRACARDI_LICENSE_PUBLIC_KEY: publicKey },
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
}

interface Counts {
  api: number;
  pulsar: number;
  reconciles: number;
}
async function counts(port: number): Promise<Counts> {
  return {
    api: await metric(port, "tracardi_operator_api_requests_total"),
    pulsar: await metric(port, "tracardi_operator_pulsar_admin_requests_total"),
    reconciles: await metric(port, "tracardi_operator_reconcile_total"),
  };
}
const perResourceMinute = (a: Counts, b: Counts, seconds: number) => {
  const f = (n: number) => (n / COUNT / (seconds / 60)).toFixed(1);
  return `Kubernetes ${f(b.api - a.api)}, Pulsar admin ${f(b.pulsar - a.pulsar)}, reconciles ${f(b.reconciles - a.reconciles)}`;
};

interface DeploymentLite {
  metadata: { labels?: Record<string, string> };
  status?: { readyReplicas?: number };
}
async function collectorsReady(): Promise<Map<string, number>> {
  const list = await http.request<{ items: DeploymentLite[] }>({
    method: "GET",
    path: resourcePath(RESOURCES.deployment, ns),
    query: { labelSelector: "app.kubernetes.io/component=wk-pl-collector" },
  });
  return new Map(
    list.items.map((d) => [
      d.metadata.labels?.["app.kubernetes.io/instance"] ?? "",
      d.status?.readyReplicas ?? 0,
    ]),
  );
}

const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? Number.NaN;

let addedNodes: string[] = [];

async function main(): Promise<void> {
  const started = execFileSync("bash", [join(ROOT, "infra/pulsar.sh"), "start"], { encoding: "utf8" });
  const pulsar = JSON.parse(started.trim().split("\n").at(-1) ?? "{}") as {
    serviceUrl: string;
    webUrl: string;
  };
  const autoscaling = { enabled: true, minReplicas: 1, maxReplicas: MAX, targetBacklogPerReplica: TARGET };
  const tracardi = (i: number) => ({
    apiVersion: "tracardi.io/v1alpha1",
    kind: "Tracardi",
    metadata: { name: `as-${i}`, namespace: ns },
    spec: {
      license: { secretRef: { name: "lic" } },
      search: { url: "http://es:9200" },
      mysql: { host: "mysql" },
      pulsar: { url: pulsar.serviceUrl, webUrl: pulsar.webUrl, topicPrefix: prefixOf(i) },
      workers: { collector: { enabled: true, autoscaling }, background: { autoscaling } },
    },
  });
  await http.request({
    method: "PATCH",
    path: "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/tracardis.tracardi.io",
    query: { fieldManager: "tracardi-bench", force: "true" },
    body: tracardiCrd(),
    contentType: "application/apply-patch+yaml",
  });
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
  // Room for every resource at its autoscaled maximum (kwok nodes added, deleted at the end).
  const defaulted = await http.request<Tracardi>({
    method: "POST",
    path: resourcePath(RESOURCES.tracardi, ns),
    query: { dryRun: "All" },
    body: tracardi(0),
  });
  const atMax = desiredState(defaulted, {}).deployments.map((d) =>
    d.spec && d.spec.replicas === undefined ? { ...d, spec: { ...d.spec, replicas: MAX } } : d,
  );
  const sized = await sizeClusterFor(http, times(deploymentsDemand(atMax), COUNT), run, { addNodes: true });
  addedNodes = sized.created;
  process.stderr.write(`bench/operator/autoscaling: ${sized.summary}\n`);
  const port = 19_500 + Math.floor(Math.random() * 400);
  const op = startOperator(pair.publicKey, port);
  const queues = Array.from(
    { length: COUNT },
    (_, i) => new PulsarQueue({ webUrl: pulsar.webUrl, naming: { prefix: prefixOf(i) } }),
  );
  const results: Record<string, string> = {};
  try {
    for (let i = 0; i < COUNT; i += 10) {
      await Promise.all(
        Array.from({ length: Math.min(10, COUNT - i) }, (_, k) =>
          http.request({ method: "POST", path: resourcePath(RESOURCES.tracardi, ns), body: tracardi(i + k) }),
        ),
      );
    }
    // Every topic exists before the rest window (a missing topic costs a second stats request).
    await Promise.all(queues.map((q) => q.publish("storage", [{ key: "k", body: {} }])));
    await Promise.all(queues.map((q) => q.publish("dispatch", [{ key: "k", body: {} }])));
    await Promise.all(queues.map((q) => q.publish("collector", [{ key: "k", body: {} }])));
    await waitUntil(async () => {
      const ready = await collectorsReady();
      return ready.size === COUNT && [...ready.values()].every((n) => n === 1);
    }, 10 * 60_000);
    await sleep(2 * INTERVAL * 1000);

    const rest0 = await counts(port);
    await sleep(REST_SECONDS * 1000);
    const rest1 = await counts(port);
    results[`at rest over ${REST_SECONDS} s, per resource per minute`] = perResourceMinute(
      rest0,
      rest1,
      REST_SECONDS,
    );

    const load0 = await counts(port);
    const published = performance.now();
    await Promise.all(
      queues.map((q) =>
        q.publish(
          "collector",
          Array.from({ length: BACKLOG }, (_, n) => ({ key: `k${n}`, body: { n } })),
        ),
      ),
    );
    const toTwo = new Map<string, number>();
    const toMax = new Map<string, number>();
    await waitUntil(async () => {
      const now = performance.now() - published;
      for (const [name, ready] of await collectorsReady()) {
        if (ready >= 2 && !toTwo.has(name)) toTwo.set(name, now);
        if (ready >= MAX && !toMax.has(name)) toMax.set(name, now);
      }
      return toMax.size === COUNT;
    }, 10 * 60_000);
    const loadSeconds = Math.max(60, (performance.now() - published) / 1000);
    await sleep(Math.max(0, published + loadSeconds * 1000 - performance.now()));
    const load1 = await counts(port);
    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    results[`backlog ${BACKLOG} (> ${TARGET} per replica) → 2 collectors Ready: median, max`] =
      `${s(percentile([...toTwo.values()], 0.5))}, ${s(Math.max(...toTwo.values()))}`;
    results[`… → ${MAX} collectors Ready (two steps): median, max`] =
      `${s(percentile([...toMax.values()], 0.5))}, ${s(Math.max(...toMax.values()))}`;
    results[`the ${Math.round(loadSeconds)} s after the backlog, per resource per minute`] =
      perResourceMinute(load0, load1, loadSeconds);
  } finally {
    op.kill("SIGTERM");
    await Promise.all(queues.map((q) => q.close().catch(() => undefined)));
    const base = `${pulsar.webUrl}/admin/v2/persistent/public/default`;
    const topics = (await (await fetch(base)).json()) as string[];
    const mine = topics.map((t) => t.split("/").at(-1) ?? "").filter((t) => t.startsWith(`bench-as-${run}-`));
    for (const t of mine) await fetch(`${base}/${t}?force=true`, { method: "DELETE" }).catch(() => undefined);
    await http.request({ method: "DELETE", path: `/api/v1/namespaces/${ns}` }).catch(() => undefined);
    await deleteNodes(http, addedNodes);
    http.close();
  }
  process.stdout.write(
    `${COUNT} Tracardis, collector + background autoscaled, --autoscale-interval-seconds ${INTERVAL}\n`,
  );
  const width = Math.max(...Object.keys(results).map((k) => k.length));
  for (const [k, v] of Object.entries(results)) process.stdout.write(`${k.padEnd(width)}  ${v}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/operator/autoscaling: ${errorMessage(err)}\n`);
  process.exit(1);
});
