// Small typed helpers around kubectl for the e2e suites (cluster and operator tests).
//
// The cluster comes from the vitest global setup (e2e/setup/global-setup.ts), which exports:
//   KUBECONFIG        kubeconfig of the cluster under test (always set inside tests)
//   E2E_KUBECTL       kubectl binary to run (default: e2e/.cluster/bin/kubectl, else `kubectl` on PATH)
//   E2E_CLUSTER       "local" for the kwok control plane of e2e/scripts, "external" for $KUBECONFIG
//   E2E_POD_LOGS_DIR  directory whose files kwok serves as container logs (local cluster only)

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { errorMessage } from "../../runtime/error-message.js";

/** Pod label that makes the local cluster's kwok simulate a failure (see e2e/README.md). */
export const FAULT_LABEL = "e2e.tracardi.io/fault";
export type Fault = "oom" | "crashloop" | "imagepull" | "unready";

const E2E_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** Where `make cluster-up` writes its state. */
export const CLUSTER_DIR = join(E2E_DIR, ".cluster");

// ---- minimal Kubernetes object types (what kubectl -o json returns; timestamps are strings) ----

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
}
export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
}
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
}
export interface KubeList<T> {
  apiVersion?: string;
  kind?: string;
  items: T[];
}
export interface ContainerStateTerminated {
  exitCode: number;
  reason?: string;
  message?: string;
  startedAt?: string;
  finishedAt?: string;
}
export interface ContainerState {
  running?: { startedAt?: string };
  waiting?: { reason?: string; message?: string };
  terminated?: ContainerStateTerminated;
}
export interface ContainerStatus {
  name: string;
  image: string;
  ready: boolean;
  started?: boolean;
  restartCount: number;
  state?: ContainerState;
  lastState?: ContainerState;
}
export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason?: string;
  message?: string;
}
export interface Pod extends KubeObject {
  spec?: {
    nodeName?: string;
    serviceAccountName?: string;
    containers: { name: string; image: string }[];
  };
  status?: {
    phase?: "Pending" | "Running" | "Succeeded" | "Failed" | "Unknown";
    conditions?: Condition[];
    containerStatuses?: ContainerStatus[];
    podIP?: string;
    hostIP?: string;
  };
}

// ---- environment ------------------------------------------------------------------------------

/** Kubeconfig of the cluster under test. */
export function kubeconfigPath(): string {
  const path = process.env.KUBECONFIG;
  if (path) return path;
  const local = join(CLUSTER_DIR, "kubeconfig");
  if (existsSync(local)) return local;
  throw new Error("KUBECONFIG is not set and e2e/.cluster/kubeconfig does not exist (run make cluster-up)");
}

/** kubectl binary: $E2E_KUBECTL, else the local cluster's, else `kubectl` from PATH. */
export function kubectlBinary(): string {
  const fromEnv = process.env.E2E_KUBECTL;
  if (fromEnv) return fromEnv;
  const local = join(CLUSTER_DIR, "bin", "kubectl");
  return existsSync(local) ? local : "kubectl";
}

/** True when the tests run on the local kwok control plane (faults and pod logs available). */
export function isLocalCluster(): boolean {
  if (process.env.E2E_CLUSTER) return process.env.E2E_CLUSTER === "local";
  return !process.env.KUBECONFIG || resolve(process.env.KUBECONFIG) === join(CLUSTER_DIR, "kubeconfig");
}

// ---- running kubectl --------------------------------------------------------------------------

export interface KubectlOptions {
  /** `--namespace` */
  namespace?: string;
  /** Written to stdin (use with `-f -`). */
  input?: string;
  /** Impersonate this user (`--as`), e.g. `system:serviceaccount:ns:name`. */
  as?: string;
  /** Use this kubeconfig instead of kubeconfigPath(). */
  kubeconfig?: string;
  /** Kill kubectl after this many milliseconds (default 60 000). */
  timeoutMs?: number;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class KubectlError extends Error {
  readonly args: readonly string[];
  readonly result: KubectlResult;
  constructor(args: readonly string[], result: KubectlResult) {
    super(
      `kubectl ${args.join(" ")} exited with ${result.code}: ${result.stderr.trim() || result.stdout.trim()}`,
    );
    this.name = "KubectlError";
    this.args = args;
    this.result = result;
  }
}

/** Runs kubectl and resolves with its exit code and output; never rejects on a non-zero exit. */
export function kubectl(args: readonly string[], opts: KubectlOptions = {}): Promise<KubectlResult> {
  const full = ["--kubeconfig", opts.kubeconfig ?? kubeconfigPath()];
  if (opts.namespace) full.push("--namespace", opts.namespace);
  if (opts.as) full.push("--as", opts.as);
  full.push(...args);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(kubectlBinary(), full, { stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 60_000);
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolvePromise({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8") + (signal ? `\n(kubectl killed by ${signal})` : ""),
      });
    });
    child.stdin.end(opts.input ?? "");
  });
}

/** Runs kubectl, rejects with KubectlError on a non-zero exit, resolves with stdout. */
export async function kubectlOk(args: readonly string[], opts: KubectlOptions = {}): Promise<string> {
  const result = await kubectl(args, opts);
  if (result.code !== 0) throw new KubectlError(args, result);
  return result.stdout;
}

/** `kubectl <args> -o json`, parsed. */
export async function kubectlJson<T>(args: readonly string[], opts: KubectlOptions = {}): Promise<T> {
  return JSON.parse(await kubectlOk([...args, "-o", "json"], opts)) as T;
}

/** `kubectl get <resource> [name]`; resolves undefined when the object does not exist. */
export async function get<T extends KubeObject>(
  resource: string,
  name: string,
  opts: KubectlOptions = {},
): Promise<T | undefined> {
  const result = await kubectl(["get", resource, name, "-o", "json"], opts);
  if (result.code !== 0) {
    if (/NotFound|not found/.test(result.stderr)) return undefined;
    throw new KubectlError(["get", resource, name], result);
  }
  return JSON.parse(result.stdout) as T;
}

/** `kubectl get <resource> [-l selector]` items. */
export async function list<T extends KubeObject>(
  resource: string,
  opts: KubectlOptions & { selector?: string } = {},
): Promise<T[]> {
  const args = ["get", resource];
  if (opts.selector) args.push("-l", opts.selector);
  return (await kubectlJson<KubeList<T>>(args, opts)).items;
}

/** A typed object, or any manifest with apiVersion/kind/metadata and further fields. */
export type Manifest = KubeObject | (KubeObject & Record<string, unknown>);

/** `kubectl apply -f -` of YAML/JSON text or of objects (serialised as a JSON List). */
export async function apply(
  manifest: string | Manifest | Manifest[],
  opts: KubectlOptions = {},
): Promise<void> {
  const input =
    typeof manifest === "string"
      ? manifest
      : JSON.stringify({
          apiVersion: "v1",
          kind: "List",
          items: Array.isArray(manifest) ? manifest : [manifest],
        });
  await kubectlOk(["apply", "-f", "-"], { ...opts, input });
}

// ---- waiting ----------------------------------------------------------------------------------

export interface WaitOptions {
  /** Give up after this many milliseconds (default 30 000). */
  timeoutMs?: number;
  /** Poll interval in milliseconds (default 250). */
  intervalMs?: number;
}

/**
 * Polls `probe` until it returns a value other than undefined/null/false and resolves with it.
 * Errors thrown by the probe are retried; the last one is reported on timeout.
 */
export async function waitFor<T>(
  description: string,
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  opts: WaitOptions = {},
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const intervalMs = opts.intervalMs ?? 250;
  const deadline = Date.now() + timeoutMs;
  let last = "";
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value;
      last = `last result: ${String(value)}`;
    } catch (e) {
      last = `last error: ${errorMessage(e)}`;
    }
    if (Date.now() >= deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${description} (${last})`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Waits until the pods matching `selector` satisfy `predicate` (given the whole list); returns them. */
export function waitForPods(
  namespace: string,
  selector: string,
  predicate: (pods: Pod[]) => boolean,
  description: string,
  opts: WaitOptions = {},
): Promise<Pod[]> {
  return waitFor(
    `pods ${namespace}/${selector}: ${description}`,
    async () => {
      const pods = await list<Pod>("pods", { namespace, selector });
      return predicate(pods) ? pods : undefined;
    },
    opts,
  );
}

/** Waits until one pod satisfies `predicate`; returns it. */
export function waitForPod(
  namespace: string,
  name: string,
  predicate: (pod: Pod) => boolean,
  description: string,
  opts: WaitOptions = {},
): Promise<Pod> {
  return waitFor(
    `pod ${namespace}/${name}: ${description}`,
    async () => {
      const pod = await get<Pod>("pod", name, { namespace });
      return pod && predicate(pod) ? pod : undefined;
    },
    opts,
  );
}

export function isPodReady(pod: Pod): boolean {
  return (
    pod.status?.phase === "Running" &&
    !pod.metadata.deletionTimestamp &&
    (pod.status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True")
  );
}

/** Status of one container (the first when `container` is omitted). */
export function containerStatus(pod: Pod, container?: string): ContainerStatus | undefined {
  const statuses = pod.status?.containerStatuses ?? [];
  return container ? statuses.find((s) => s.name === container) : statuses[0];
}

// ---- namespaces -------------------------------------------------------------------------------

/**
 * Creates a namespace with a unique name (`<prefix>-<random>`) and waits for its `default`
 * ServiceAccount: the ServiceAccount admission plugin rejects pods until the controller-manager
 * has created it.
 */
export async function createNamespace(prefix = "e2e"): Promise<string> {
  const name = `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
  await kubectlOk(["create", "namespace", name]);
  await waitFor(`serviceaccount ${name}/default`, () =>
    get("serviceaccount", "default", { namespace: name }),
  );
  return name;
}

/** Deletes a namespace without waiting for its finalisation. */
export async function deleteNamespace(name: string): Promise<void> {
  await kubectlOk(["delete", "namespace", name, "--ignore-not-found", "--wait=false"]);
}

// ---- service-account credentials --------------------------------------------------------------

interface KubeconfigView {
  clusters: { name: string; cluster: { server: string; "certificate-authority-data"?: string } }[];
}

/**
 * Writes a kubeconfig that authenticates with `token` only (no client certificate) against the
 * cluster under test, e.g. a token from `kubectl create token`. Returns its path.
 */
export async function kubeconfigForToken(token: string, server?: string): Promise<string> {
  const view = await kubectlJson<KubeconfigView>(["config", "view", "--raw", "--minify", "--flatten"]);
  const found = view.clusters[0]?.cluster;
  if (!found) throw new Error("kubectl config view returned no cluster");
  // `server`: e.g. a recording proxy in front of the API server on loopback (plain HTTP: no CA, and
  // client-node refuses http:// unless TLS verification is marked off).
  const cluster = server ? { server, "insecure-skip-tls-verify": true } : found;
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "c", cluster }],
    users: [{ name: "u", user: { token } }],
    contexts: [{ name: "c", context: { cluster: "c", user: "u" } }],
    "current-context": "c",
  };
  const dir = await mkdtemp(join(tmpdir(), "e2e-token-"));
  const path = join(dir, "kubeconfig");
  await writeFile(path, JSON.stringify(config), { mode: 0o600 });
  return path;
}

// ---- pod logs (local cluster only) ------------------------------------------------------------

export interface ContainerLogs {
  container: string;
  /** Lines `kubectl logs` returns. */
  lines: string[];
  /** Lines `kubectl logs --previous` returns. */
  previousLines?: string[];
  /** Stream for every line (default stdout). */
  stream?: "stdout" | "stderr";
}

function criLog(lines: string[], stream: "stdout" | "stderr"): string {
  const start = Date.now() - lines.length * 1000;
  return lines.map((line, i) => `${new Date(start + i * 1000).toISOString()} ${stream} F ${line}\n`).join("");
}

/**
 * Makes `kubectl logs` of a pod return the given lines: writes CRI-format log files that kwok
 * serves as the kubelet (a kwok `Logs` object named like the pod points at them) and waits until
 * the API server returns them. Replaces earlier logs of the same pod. Local cluster only.
 */
export async function setPodLogs(namespace: string, pod: string, logs: ContainerLogs[]): Promise<void> {
  if (!isLocalCluster()) throw new Error("setPodLogs needs the local kwok cluster (E2E_CLUSTER=local)");
  const dir = join(process.env.E2E_POD_LOGS_DIR ?? join(CLUSTER_DIR, "pod-logs"), namespace, pod);
  await mkdir(dir, { recursive: true });
  const entries = [];
  for (const l of logs) {
    const stream = l.stream ?? "stdout";
    const file = join(dir, `${l.container}.log`);
    const previousFile = join(dir, `${l.container}.previous.log`);
    await writeFile(file, criLog(l.lines, stream));
    await writeFile(previousFile, criLog(l.previousLines ?? [], stream));
    entries.push({ containers: [l.container], logsFile: file, previousLogsFile: previousFile });
  }
  await apply(
    {
      apiVersion: "kwok.x-k8s.io/v1alpha1",
      kind: "Logs",
      metadata: { name: pod, namespace },
      spec: { logs: entries },
    },
    { namespace },
  );
  const first = logs[0];
  if (!first) return;
  const expected = first.lines.join("\n");
  await waitFor(`kubectl logs ${namespace}/${pod} -c ${first.container}`, async () => {
    const result = await kubectl(["logs", pod, "-c", first.container], { namespace });
    return result.code === 0 && result.stdout.trimEnd() === expected;
  });
}
