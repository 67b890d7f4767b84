// Proof that the real node real-0 (on by default, e2e/scripts/real-node.sh) runs the runtime
// image built without a registry: a runtime pod becomes Ready by its own readiness probe, answers
// /readyz through a Service (kube-proxy), and a pod over its memory limit is OOMKilled by the kernel.
// Skipped (not passed) when the cluster has no node real-0.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  apply,
  containerStatus,
  createNamespace,
  deleteNamespace,
  get,
  isPodReady,
  type KubeObject,
  type Manifest,
  waitFor,
  waitForPod,
} from "../lib/kubectl.js";

const IMAGE = "local/tracardi-runtime:dev";
interface Node extends KubeObject {
  status?: { nodeInfo?: { containerRuntimeVersion?: string } };
}
interface Service extends KubeObject {
  spec?: { clusterIP?: string };
}

const realNode = await get<Node>("node", "real-0").catch(() => undefined);
const SKIP =
  "SKIPPED: the cluster has no node real-0 (cluster-up left it out: CLUSTER_REAL_NODE=0, no root, or another cluster owns it; see e2e/README.md)";
if (!realNode) console.warn(`[e2e] real-node.test.ts ${SKIP}`);

/** Pod spec pieces that put a pod on real-0 and nowhere else. */
const onRealNode = {
  nodeSelector: { "kubernetes.io/hostname": "real-0" },
  tolerations: [{ key: "e2e.tracardi.io/real-node", operator: "Exists", effect: "NoSchedule" }],
};

describe.skipIf(!realNode)(`the real node real-0${realNode ? "" : ` (${SKIP})`}`, () => {
  let ns = "";
  beforeAll(async () => {
    ns = await createNamespace("e2e-real");
  });
  afterAll(async () => {
    if (ns) await deleteNamespace(ns);
  });

  it("runs containers with containerd", () => {
    expect(realNode?.status?.nodeInfo?.containerRuntimeVersion).toMatch(/^containerd:\/\//);
  });

  it("runs the runtime image Ready by its readiness probe and serves /readyz through a Service", async () => {
    const probe = (path: string, periodSeconds: number, failureThreshold: number) => ({
      httpGet: { path, port: "public" },
      periodSeconds,
      failureThreshold,
    });
    const pod: Manifest = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "runtime", labels: { app: "runtime" } },
      spec: {
        ...onRealNode,
        containers: [
          {
            name: "runtime",
            image: IMAGE,
            imagePullPolicy: "IfNotPresent",
            ports: [{ name: "public", containerPort: 8686 }],
            startupProbe: probe("/healthz", 1, 60),
            readinessProbe: probe("/readyz", 2, 3),
            resources: { limits: { memory: "512Mi" } },
            volumeMounts: [{ name: "data", mountPath: "/data" }],
          },
        ],
        volumes: [{ name: "data", emptyDir: {} }],
      },
    };
    const service: Manifest = {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "runtime" },
      spec: { selector: { app: "runtime" }, ports: [{ name: "http", port: 80, targetPort: "public" }] },
    };
    await apply([pod, service], { namespace: ns });
    const ready = await waitForPod(ns, "runtime", isPodReady, "Ready", { timeoutMs: 120_000 });
    expect(ready.spec?.nodeName).toBe("real-0");
    expect(containerStatus(ready)?.ready).toBe(true);

    const svc = await get<Service>("service", "runtime", { namespace: ns });
    const clusterIP = svc?.spec?.clusterIP;
    expect(clusterIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const response = await waitFor(
      `GET http://${clusterIP}/readyz`,
      async () => {
        const res = await fetch(`http://${clusterIP}/readyz`, { signal: AbortSignal.timeout(2_000) });
        return res.status === 200 ? res : undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect(response.status).toBe(200);
  });

  it("has a pod over its memory limit OOMKilled by the kernel", async () => {
    const hog: Manifest = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "hog" },
      spec: {
        ...onRealNode,
        restartPolicy: "Never",
        containers: [
          {
            name: "hog",
            image: IMAGE,
            imagePullPolicy: "IfNotPresent",
            command: ["node", "-e", "const a = []; for (;;) a.push(Buffer.alloc(1 << 20, 1));"],
            resources: { limits: { memory: "64Mi" } },
          },
        ],
      },
    };
    await apply(hog, { namespace: ns });
    const dead = await waitForPod(
      ns,
      "hog",
      (p) => containerStatus(p)?.state?.terminated !== undefined,
      "container terminated",
      { timeoutMs: 90_000 },
    );
    expect(containerStatus(dead)?.state?.terminated).toMatchObject({ reason: "OOMKilled", exitCode: 137 });
  });
});
