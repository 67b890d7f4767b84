import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { generateLicenseKeyPair, issueLicense } from "../../runtime/license/index.js";
import type { KubectlResult } from "../lib/kubectl.js";
import * as lib from "../lib/kubectl.js";

export const ROOT = resolve(import.meta.dirname, "../..");
export const KUBECONFIG = process.env.KUBECONFIG ?? join(ROOT, "e2e/.cluster/kubeconfig");
/** Set by `make e2e-kind`: the operator runs in the cluster (from manifests/), pods are real, no kwok faults. */
export const IN_CLUSTER = process.env.E2E_OPERATOR_IN_CLUSTER === "1";
export type { KubectlResult } from "../lib/kubectl.js";

/** kubectl that resolves with its exit code and output (the shared e2e helper). */
export function kubectlRaw(args: string[], input?: string): Promise<KubectlResult> {
  return lib.kubectl(args, { input });
}

/** kubectl that rejects on a non-zero exit and resolves with stdout. */
export function kubectl(args: string[], input?: string): Promise<string> {
  return lib.kubectlOk(args, { input });
}

export function getJson<T = Record<string, unknown>>(args: string[]): Promise<T> {
  return lib.kubectlJson<T>(args);
}

export async function applyJson(obj: unknown, namespace?: string): Promise<string> {
  return await kubectl(
    ["apply", "--server-side", "--force-conflicts", ...(namespace ? ["-n", namespace] : []), "-f", "-"],
    JSON.stringify(obj),
  );
}

/** The shared polling helper, with this suite's default of 60 s. */
export function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 60_000,
  intervalMs = 250,
): Promise<T> {
  return lib.waitFor(what, probe, { timeoutMs, intervalMs });
}

export async function ensureCrd(): Promise<void> {
  await kubectl([
    "apply",
    "--server-side",
    "--force-conflicts",
    "-f",
    join(ROOT, "crds/tracardi.io_tracardis.yaml"),
  ]);
  // Right after a first apply the CRD has no status.conditions yet and `kubectl wait` fails at once
  // ("accessor error: <nil>") instead of waiting: poll until it succeeds.
  await waitFor(
    "CRD tracardis.tracardi.io Established",
    async () =>
      (await kubectlRaw(["wait", "--for=condition=Established", "crd/tracardis.tracardi.io", "--timeout=5s"]))
        .code === 0,
    60_000,
  );
  // Discovery can lag behind Established.
  await waitFor(
    "tracardi discovery",
    async () => (await kubectlRaw(["get", "trc", "-A"])).code === 0,
    30_000,
  );
}

export const createNamespace = lib.createNamespace;

/** Teardown: a namespace that cannot be deleted must not fail the suite. */
export async function deleteNamespace(name: string): Promise<void> {
  await lib.deleteNamespace(name).catch(() => undefined);
}

export interface LicenseKit {
  dir: string;
  publicKey: string;
  privateKey: string;
  key: (days: number, owner?: string) => string;
}

export function licenseKit(): LicenseKit {
  const external = process.env.E2E_LICENSE_KEYS;
  const dir = external ?? mkdtempSync(join(tmpdir(), "e2e-lic-"));
  const pair = external
    ? {
        publicKey: readFileSync(join(external, "license-public.pem"), "utf8"),
        privateKey: readFileSync(join(external, "license-private.pem"), "utf8"),
      }
    : generateLicenseKeyPair();
  return {
    dir,
    ...pair,
    key: (days, owner = "E2E") =>
      issueLicense(
        { owner, expires: new Date(Date.now() + days * 86_400_000), features: ["e2e"] },
        pair.privateKey,
      ),
  };
}

export async function putLicenseSecret(
  namespace: string,
  key: string,
  name = "tracardi-license",
): Promise<void> {
  await applyJson(
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name, namespace },
      type: "Opaque",
      stringData: { "license-key": key },
    },
    namespace,
  );
}

export interface OperatorProcess {
  child?: ChildProcess;
  port: number;
  logs: string[];
  stop: (signal?: NodeJS.Signals) => Promise<void>;
  metrics: () => Promise<string>;
}

// 21000–22999: no server of this repo listens there (Pulsar's 18080, the search nodes' 192xx/193xx
// and the control plane's 2025x did, and an operator that cannot listen never reconciles), and it is
// below the kernel's ephemeral range.
let nextPort = 21_000 + Math.floor(Math.random() * 500) * 4;

/** Runs dist/operator/main.js locally (built by `npx tsc -p tsconfig.json`), scoped to one namespace. */
export function startOperator(options: {
  namespace: string;
  publicKey: string;
  leaderElect?: boolean;
  leaseName?: string;
  identity?: string;
  /** Run with these credentials instead of the admin kubeconfig (e.g. the operator's ServiceAccount). */
  kubeconfig?: string;
  /** Watch every namespace instead of options.namespace. */
  allNamespaces?: boolean;
  leaseNamespace?: string;
  extraArgs?: string[];
}): OperatorProcess {
  const port = nextPort++;
  const logs: string[] = [];
  if (IN_CLUSTER) {
    return { port, logs, stop: async () => {}, metrics: async () => "" };
  }
  const args = [
    join(ROOT, "dist/operator/main.js"),
    ...(options.allNamespaces ? [] : ["--namespace", options.namespace]),
    "--http-port",
    String(port),
    "--leader-elect",
    String(options.leaderElect ?? false),
    "--lease-namespace",
    options.leaseNamespace ?? options.namespace,
    "--lease-name",
    options.leaseName ?? "tracardi-operator",
    "--resync-seconds",
    "30",
    ...(options.identity ? ["--identity", options.identity] : []),
    ...(options.extraArgs ?? []),
  ];
  const child = spawn(process.execPath, args, {
    env: {
      ...process.env,
      KUBECONFIG: options.kubeconfig ?? KUBECONFIG,
      TRACARDI_LICENSE_PUBLIC_KEY: options.publicKey,
      LOG_LEVEL: "info",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (d: Buffer) => logs.push(d.toString()));
  child.stderr?.on("data", (d: Buffer) => logs.push(d.toString()));
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  return {
    child,
    port,
    logs,
    stop: async (signal = "SIGTERM") => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
    metrics: async () => {
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      return await res.text();
    },
  };
}

export function metricValue(metrics: string, name: string): number | undefined {
  const line = metrics.split("\n").find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.split(" ").pop()) : undefined;
}

export interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
  observedGeneration?: number;
}

export interface TracardiJson {
  metadata: { name: string; generation: number };
  status?: {
    observedGeneration?: number;
    conditions?: Condition[];
    components?: {
      name: string;
      desired: number;
      ready: number;
      oomKillsLastHour: number;
      lastOOMKill?: unknown;
    }[];
    license?: { status: string; daysRemaining?: number; expires?: string };
    publicApi?: string;
    workers?: string;
  };
}

export async function tracardi(namespace: string, name: string): Promise<TracardiJson> {
  return await getJson<TracardiJson>(["-n", namespace, "get", "tracardi", name]);
}

export function condition(t: TracardiJson, type: string): Condition | undefined {
  return t.status?.conditions?.find((c) => c.type === type);
}

export async function waitForCondition(
  namespace: string,
  name: string,
  type: string,
  match: Partial<Condition>,
  timeoutMs = 60_000,
): Promise<Condition> {
  return await waitFor(
    `${namespace}/${name} ${type}=${JSON.stringify(match)}`,
    async () => {
      const c = condition(await tracardi(namespace, name), type);
      if (!c) return undefined;
      return Object.entries(match).every(([k, v]) => (c as unknown as Record<string, unknown>)[k] === v)
        ? c
        : undefined;
    },
    timeoutMs,
  );
}

/** A minimal Tracardi: the seed's defaults (public + private API, background + APM). */
export function sampleSpec(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    license: { secretRef: { name: "tracardi-license" } },
    search: { url: "http://elasticsearch:9200" },
    mysql: { host: "mysql" },
    pulsar: { url: "pulsar://pulsar:6650" },
    ...extra,
  };
}

export function tracardiObject(namespace: string, name: string, spec: Record<string, unknown>) {
  return { apiVersion: "tracardi.io/v1alpha1", kind: "Tracardi", metadata: { name, namespace }, spec };
}
