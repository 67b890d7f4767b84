/**
 * Operator benchmark against a cluster (default: the local control plane, e2e/.cluster/kubeconfig).
 *   node dist/bench/operator/run.js [--count 200] [--rest-seconds 60] [--repeat 5] [--resync-seconds 60]
 *                                   [--stall-seconds 120] [--timeout-seconds 1800] [--fixed-nodes]
 *                                   [--concurrency N (the operator's; default its own)]
 * Sizes the cluster first: the pods a Tracardi needs come from the operator's desired state, and on a
 * kwok cluster fake nodes are added until count + repeat Tracardis fit (deleted at the end; not with
 * --fixed-nodes, which only says how many nodes are missing).
 * Measures: apply → all Deployments created, apply → Ready=True, OOM fault → ComponentsHealthy=OOMKilled,
 * N resources → all Ready, operator memory, API requests and reconciles at rest. Progress goes to
 * stderr every 5 s; the results table to stdout.
 */

import { type ChildProcess, spawn } from "node:child_process";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { parseArgs } from "node:util";
import { KubeConfig } from "@kubernetes/client-node";
import { tracardiCrd } from "../../operator/api/crd.js";
import type { Tracardi } from "../../operator/api/types.js";
import { DEFAULT_CONCURRENCY } from "../../operator/config.js";
import { desiredState } from "../../operator/controller/desired/index.js";
import { KubeHttp } from "../../operator/kube/http.js";
import { RESOURCES, resourcePath } from "../../operator/kube/resources.js";
import { errorMessage } from "../../runtime/error-message.js";
import { generateLicenseKeyPair, issueLicense } from "../../runtime/license/index.js";
import { type Demand, deploymentsDemand, describeFootprint, times } from "./capacity.js";
import { deleteNodes, sizeClusterFor } from "./kwok-nodes.js";
import { growth, MiB, readMetrics, type Sample, total } from "./operator-metrics.js";
import {
  explain,
  listTracardis,
  progressLine,
  readyCount,
  type Snapshot,
  snapshot,
  waitFor,
} from "./progress.js";

const ROOT = resolve(import.meta.dirname, "../../..");
const { values } = parseArgs({
  options: {
    count: { type: "string" },
    "rest-seconds": { type: "string" },
    repeat: { type: "string" },
    "resync-seconds": { type: "string" },
    "stall-seconds": { type: "string" },
    "timeout-seconds": { type: "string" },
    "fixed-nodes": { type: "boolean" },
    concurrency: { type: "string" },
  },
});
const COUNT = Number(values.count ?? 200);
const REST_SECONDS = Number(values["rest-seconds"] ?? 60);
const REPEAT = Number(values.repeat ?? 5);
const RESYNC_SECONDS = Number(values["resync-seconds"] ?? 60);
const STALL_SECONDS = Number(values["stall-seconds"] ?? 120);
const TIMEOUT_SECONDS = Number(values["timeout-seconds"] ?? 1800);
const CONCURRENCY = Number(values.concurrency ?? DEFAULT_CONCURRENCY);
const PROGRESS_MS = 5000;

const KUBECONFIG = process.env.KUBECONFIG ?? join(ROOT, "e2e/.cluster/kubeconfig");
const kc = new KubeConfig();
kc.loadFromFile(KUBECONFIG);
const http = new KubeHttp(kc);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const runId = Date.now().toString(36);
const ns = `bench-op-${runId}`;
const began = performance.now();
const log = (message: string) =>
  process.stderr.write(`[bench-op +${((performance.now() - began) / 1000).toFixed(0)}s] ${message}\n`);

async function applyCrd(): Promise<void> {
  await http.request({
    method: "PATCH",
    path: "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/tracardis.tracardi.io",
    query: { fieldManager: "tracardi-bench", force: "true" },
    body: tracardiCrd(),
    contentType: "application/apply-patch+yaml",
  });
  await waitFor(
    "the Tracardi CRD to be served",
    () =>
      http.request({ method: "GET", path: resourcePath(RESOURCES.tracardi) }).then(
        () => true,
        () => false,
      ),
    { timeoutMs: 30_000 },
  );
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

/** What one bench Tracardi asks for: the API server defaults it (dry run), the operator plans it. */
async function resourceDemand(): Promise<{ demand: Demand; deployments: number }> {
  const defaulted = await http.request<Tracardi>({
    method: "POST",
    path: resourcePath(RESOURCES.tracardi, ns),
    query: { dryRun: "All" },
    body: tracardi("sizing"),
  });
  const { deployments } = desiredState(defaulted, {});
  return { demand: deploymentsDemand(deployments), deployments: deployments.length };
}

async function deploymentCount(name: string): Promise<number> {
  const list = await http.request<{ items: unknown[] }>({
    method: "GET",
    path: resourcePath(RESOURCES.deployment, ns),
    query: { labelSelector: `app.kubernetes.io/instance=${name}` },
  });
  return list.items.length;
}

async function conditionOf(name: string, type: string) {
  const t = (await listTracardis(http, ns)).find((x) => x.metadata.name === name);
  return t?.status?.conditions?.find((c) => c.type === type);
}

const whyNotYet = async () => {
  const s = await snapshot(http, ns);
  return `${explain(s)} [${progressLine(s, s.tracardis)}]`;
};

/** The operator's last log lines (it logs JSON to stdout), for a failure message. */
const operatorLog: string[] = [];

function startOperator(publicKey: string, port: number): ChildProcess {
  const child = spawn(
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
      "--concurrency",
      String(CONCURRENCY),
      "--log-level",
      "warn",
    ],
    {
      // The cluster the bench measures, not whatever ~/.kube/config names.
      env: { ...process.env, KUBECONFIG, TRACARDI_LICENSE_PUBLIC_KEY: publicKey },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  createInterface({ input: child.stdout as Readable }).on("line", (line) => {
    operatorLog.push(line.length > 400 ? `${line.slice(0, 400)}…` : line);
    if (operatorLog.length > 3) operatorLog.shift();
  });
  return child;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const ms = (x: number) => `${Math.round(x)} ms`;
const seconds = (x: number) => `${(x / 1000).toFixed(1)} s`;
const memory = (m: Sample[]) =>
  `${MiB(total(m, "tracardi_operator_process_resident_memory_bytes"))} RSS, ` +
  `${MiB(total(m, "tracardi_operator_nodejs_heap_size_used_bytes"))} JS heap used`;
const sumOf = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
const perLabel = (grew: Map<string, number>) =>
  [...grew].map(([labels, n]) => `${labels.replace(/"/g, "")}: ${n}`).join("; ");

/**
 * Creates COUNT Tracardis (20 at a time) and waits until every Tracardi in the namespace is Ready,
 * printing where things stand every 5 s; fails when nothing has moved for STALL_SECONDS (or after
 * TIMEOUT_SECONDS), saying what it was waiting for. Resolves with the time to all Ready and to all created.
 */
async function scaleUp(expected: number): Promise<{ toReady: number; toCreated: number }> {
  const names = Array.from({ length: COUNT }, (_, i) => `many-${i}`);
  const start = performance.now();
  let applied = 0;
  let toCreated = Number.NaN;
  let createError: unknown;
  void (async () => {
    for (let i = 0; i < names.length; i += 20) {
      const batch = names.slice(i, i + 20);
      await Promise.all(batch.map(create));
      applied += batch.length;
    }
    toCreated = performance.now() - start;
  })().catch((err: unknown) => {
    createError = err;
  });
  const what = `${expected} Tracardis Ready=True`;
  let last: Snapshot | undefined;
  let lastPrint = Number.NEGATIVE_INFINITY;
  let lastState = "";
  let lastMove = start;
  for (;;) {
    if (createError) throw createError;
    const ready = await readyCount(http, ns);
    const now = performance.now();
    if (applied === COUNT && ready === expected) return { toReady: now - start, toCreated };
    if (now - lastPrint >= PROGRESS_MS) {
      lastPrint = now;
      last = await snapshot(http, ns);
      log(`applied ${applied}/${COUNT} · ${progressLine(last, expected)}`);
      const state = JSON.stringify([
        applied,
        last.ready,
        last.deployments,
        last.deploymentsReady,
        [...last.podsByPhase],
      ]);
      if (state !== lastState) {
        lastState = state;
        lastMove = now;
      } else if (now - lastMove >= STALL_SECONDS * 1000) {
        throw new Error(`waited for ${what}, nothing moved for ${STALL_SECONDS} s: ${explain(last)}`);
      }
    }
    if (now - start >= TIMEOUT_SECONDS * 1000) {
      throw new Error(`waited ${TIMEOUT_SECONDS} s for ${what}: ${last ? explain(last) : "no snapshot"}`);
    }
    await sleep(1000);
  }
}

let addedNodes: string[] = [];
let operator: ChildProcess | undefined;
let cleaned = false;
async function cleanUp(): Promise<void> {
  if (cleaned) return;
  cleaned = true;
  operator?.kill("SIGTERM");
  await http.request({ method: "DELETE", path: `/api/v1/namespaces/${ns}` }).catch(() => undefined);
  await deleteNodes(http, addedNodes);
  http.close();
}

async function main(): Promise<void> {
  const expected = COUNT + REPEAT;
  log(
    `cluster ${kc.getCurrentCluster()?.server}; namespace ${ns}; ${expected} Tracardis (${REPEAT} one by one, then ${COUNT})`,
  );
  await applyCrd();
  await http.request({ method: "POST", path: "/api/v1/namespaces", body: { metadata: { name: ns } } });
  const sizing = await resourceDemand();
  log(`one Tracardi: ${sizing.deployments} Deployments, ${describeFootprint(sizing.demand.total)} requested`);
  const sized = await sizeClusterFor(http, times(sizing.demand, expected), runId, {
    addNodes: !values["fixed-nodes"],
  });
  addedNodes = sized.created;
  log(sized.summary);

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
  operator = op;
  let exited = "";
  op.once("exit", (code, signal) => {
    exited = `the operator exited (${signal ?? code})`;
  });
  await waitFor(
    `the operator's /readyz on port ${port}`,
    async () => {
      if (exited) throw new Error(exited);
      return (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok === true;
    },
    { timeoutMs: 30_000, why: async () => `its last log lines: ${operatorLog.join(" | ") || "none"}` },
  );
  const results: Record<string, string | number> = {};
  results["operator memory at start (caches synced, no Tracardi)"] = memory(await readMetrics(port));

  const toDeployments: number[] = [];
  const toReady: number[] = [];
  for (let i = 0; i < REPEAT; i++) {
    const name = `single-${i}`;
    const start = performance.now();
    await create(name);
    await waitFor(
      `${name}: ${sizing.deployments} Deployments`,
      async () => (await deploymentCount(name)) === sizing.deployments,
      {
        timeoutMs: 30_000,
        intervalMs: 20,
        why: whyNotYet,
      },
    );
    toDeployments.push(performance.now() - start);
    await waitFor(`${name}: Ready=True`, async () => (await conditionOf(name, "Ready"))?.status === "True", {
      timeoutMs: 60_000,
      intervalMs: 50,
      why: whyNotYet,
    });
    toReady.push(performance.now() - start);
  }
  log(`${REPEAT} Tracardis one by one: Ready after ${toReady.map((t) => ms(t)).join(", ")}`);
  results[`apply → ${sizing.deployments} Deployments created (median of ${REPEAT})`] = ms(
    median(toDeployments),
  );
  results[`apply → Ready=True (median of ${REPEAT})`] = ms(median(toReady));

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
    await waitFor(
      `${name}: ComponentsHealthy=False/OOMKilled`,
      async () => (await conditionOf(name, "ComponentsHealthy"))?.reason === "OOMKilled",
      { timeoutMs: 60_000, intervalMs: 50, why: whyNotYet },
    );
    toOom.push(performance.now() - start);
    await patch(null);
    await waitFor(
      `${name}: Ready=True again`,
      async () => (await conditionOf(name, "Ready"))?.status === "True",
      {
        timeoutMs: 60_000,
        intervalMs: 100,
        why: whyNotYet,
      },
    );
  }
  log(`OOM fault → OOMKilled: ${toOom.map((t) => ms(t)).join(", ")}`);
  results[
    `fault label → ComponentsHealthy=OOMKilled (median of ${toOom.length}; rollout + kwok's 1 s fault delay)`
  ] = ms(median(toOom));

  const beforeScaleUp = await readMetrics(port);
  const scaled = await scaleUp(expected);
  const afterScaleUp = await readMetrics(port);
  const pods = expected * sizing.demand.total.pods;
  results[`${COUNT} Tracardis created, 20 at a time (client side)`] = seconds(scaled.toCreated);
  results[`${COUNT} Tracardis (${COUNT * sizing.demand.total.pods} pods) → all ${expected} Ready=True`] =
    seconds(scaled.toReady);
  const grew = (name: string) => sumOf(growth(beforeScaleUp, afterScaleUp, name)) / COUNT;
  results["scale-up: API requests / reconciles per Tracardi"] =
    `${grew("tracardi_operator_api_requests_total").toFixed(1)} / ${grew("tracardi_operator_reconcile_total").toFixed(1)}`;
  const reconcileSeconds = grew("tracardi_operator_reconcile_duration_seconds_sum") * COUNT;
  const reconciles = grew("tracardi_operator_reconcile_duration_seconds_count") * COUNT;
  // Reconciles × mean ÷ concurrency close to the time to all Ready means the work queue is the bound.
  results[`scale-up: mean reconcile time (operator --concurrency ${CONCURRENCY})`] = reconciles
    ? ms((reconcileSeconds / reconciles) * 1000)
    : "n/a";
  results[`operator memory after all Ready (${expected} Tracardis, ${pods} pods cached)`] =
    memory(afterScaleUp);

  log(`all Ready; ${REST_SECONDS} s at rest after a 5 s settle (resync every ${RESYNC_SECONDS} s)`);
  await sleep(5000);
  const restStart = await readMetrics(port);
  for (let waited = 0; waited < REST_SECONDS; ) {
    const step = Math.min(15, REST_SECONDS - waited);
    await sleep(step * 1000);
    waited += step;
    const now = await readMetrics(port);
    log(
      `at rest ${waited}/${REST_SECONDS} s: ${sumOf(growth(restStart, now, "tracardi_operator_api_requests_total"))} API requests, ` +
        `${sumOf(growth(restStart, now, "tracardi_operator_reconcile_total"))} reconciles`,
    );
  }
  const restEnd = await readMetrics(port);
  const restRequests = growth(restStart, restEnd, "tracardi_operator_api_requests_total");
  const restReconciles = sumOf(growth(restStart, restEnd, "tracardi_operator_reconcile_total"));
  const perMinute = 60 / REST_SECONDS;
  results[`at rest (${REST_SECONDS} s, resync ${RESYNC_SECONDS} s): API requests / Tracardi / min`] = (
    (sumOf(restRequests) / expected) *
    perMinute
  ).toFixed(2);
  if (restRequests.size) results["at rest: API requests by method, code"] = perLabel(restRequests);
  results["at rest: reconciles / min"] = Math.round(restReconciles * perMinute);
  results["operator memory at the end"] = memory(restEnd);

  const width = Math.max(...Object.keys(results).map((k) => k.length));
  for (const [k, v] of Object.entries(results)) process.stdout.write(`${k.padEnd(width)}  ${v}\n`);
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    log(`${signal}: deleting the namespace and the added nodes`);
    void cleanUp().finally(() => process.exit(130));
  });
}

main()
  .catch((err: unknown) => {
    process.stderr.write(`bench/operator: ${errorMessage(err)}\n`);
    process.exitCode = 1;
  })
  .finally(() => cleanUp());
