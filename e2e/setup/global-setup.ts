// Vitest global setup of the e2e suites: brings the local control plane up once (same script as
// `make cluster-up`, building the binaries on first use) unless KUBECONFIG is set, in which case the
// suites run against that cluster (e.g. kind). Tears down only what it started.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** Kubeconfig of the cluster under test (also in process.env.KUBECONFIG). */
    kubeconfig: string;
    /** "local" (kwok control plane of e2e/scripts) or "external" ($KUBECONFIG). */
    cluster: "local" | "external";
  }
}

const E2E_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const SCRIPTS = join(E2E_DIR, "scripts");
const CLUSTER_DIR = process.env.E2E_CLUSTER_DIR ?? join(E2E_DIR, ".cluster");

function script(name: string, quiet = false): number {
  const out = quiet ? "ignore" : "inherit";
  const result = spawnSync(join(SCRIPTS, name), [], { stdio: ["ignore", out, out] });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

/**
 * A cluster left running keeps the runtime image imported at its start: when dist/ was built again
 * since, real-0 gets the new one (same tag; pods started from now on use it).
 */
function refreshRuntimeImage(): void {
  const socket = join(CLUSTER_DIR, "real-0", "containerd", "containerd.sock");
  const archive = join(CLUSTER_DIR, "images", "tracardi-runtime.tar");
  const dist = join(E2E_DIR, "..", "dist");
  if (!existsSync(socket) || !existsSync(join(dist, "runtime", "cli.js"))) return;
  const changed = spawnSync("find", [dist, "-newer", archive, "-type", "f", "-print", "-quit"], {
    encoding: "utf8",
  });
  if (existsSync(archive) && changed.stdout.trim() === "") return;
  console.log("[e2e] dist/ changed since real-0 imported the runtime image: importing it again");
  const result = spawnSync(join(SCRIPTS, "runtime-image.sh"), [socket], {
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (result.status !== 0) throw new Error("e2e: runtime-image.sh failed (see above)");
}

export default function setup(project: TestProject): (() => void) | undefined {
  const kubeconfig = join(CLUSTER_DIR, "kubeconfig");
  // KUBECONFIG pointing at our own local cluster (after `export KUBECONFIG=e2e/.cluster/kubeconfig`)
  // is not an external cluster: the local-only suites (faults, pod logs) must still run.
  const external =
    process.env.KUBECONFIG && resolve(process.env.KUBECONFIG) !== resolve(kubeconfig)
      ? process.env.KUBECONFIG
      : undefined;
  if (external) {
    process.env.E2E_CLUSTER = "external";
    project.provide("kubeconfig", external);
    project.provide("cluster", "external");
    console.log(`[e2e] using the cluster of KUBECONFIG=${external}`);
    return undefined;
  }

  // Reuse a cluster started by `make cluster-up` (status exits 0) and leave it running afterwards.
  const alreadyUp = script("cluster-status.sh", true) === 0;
  if (!alreadyUp && script("cluster-up.sh") !== 0) {
    throw new Error("e2e: the local control plane did not start (see the log tail above)");
  }
  if (!existsSync(kubeconfig)) throw new Error(`e2e: ${kubeconfig} is missing after cluster-up`);
  if (alreadyUp) refreshRuntimeImage();
  process.env.KUBECONFIG = kubeconfig;
  process.env.E2E_CLUSTER = "local";
  process.env.E2E_KUBECTL = join(CLUSTER_DIR, "bin", "kubectl");
  process.env.E2E_POD_LOGS_DIR = join(CLUSTER_DIR, "pod-logs");
  project.provide("kubeconfig", kubeconfig);
  project.provide("cluster", "local");

  return () => {
    delete process.env.KUBECONFIG;
    if (alreadyUp || process.env.E2E_KEEP_CLUSTER === "1") {
      console.log("[e2e] leaving the local control plane running (make cluster-down stops it)");
      return;
    }
    if (script("cluster-down.sh") !== 0) throw new Error("e2e: cluster-down failed");
  };
}
