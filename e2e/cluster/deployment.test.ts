// Proof that the local control plane schedules and runs workloads: Deployment -> ReplicaSet ->
// Pods on the fake nodes, replacement, scaling and garbage collection.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  apply,
  createNamespace,
  deleteNamespace,
  get,
  isPodReady,
  type KubeObject,
  kubectlOk,
  list,
  type Manifest,
  type Pod,
  waitFor,
  waitForPods,
} from "../lib/kubectl.js";

interface ReplicaSet extends KubeObject {
  spec: { replicas: number };
  status?: { readyReplicas?: number };
}
interface Node extends KubeObject {
  status?: { conditions?: { type: string; status: string }[] };
}

const SELECTOR = "app=web";

function deployment(replicas: number): Manifest {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", labels: { app: "web" } },
    spec: {
      replicas,
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: { containers: [{ name: "web", image: "registry.example/web:1.0" }] },
      },
    },
  };
}

describe("Deployment on the control plane", () => {
  let ns = "";
  beforeAll(async () => {
    ns = await createNamespace("e2e-deploy");
  });
  afterAll(async () => {
    if (ns) await deleteNamespace(ns);
  });

  it("has Ready nodes to schedule onto", async () => {
    const nodes = await list<Node>("nodes");
    expect(nodes.length).toBeGreaterThanOrEqual(1);
    for (const node of nodes) {
      expect(node.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
    }
  });

  it("creates a ReplicaSet and 3 Running, Ready pods on the nodes within seconds", async () => {
    const started = Date.now();
    await apply(deployment(3), { namespace: ns });
    const pods = await waitForPods(
      ns,
      SELECTOR,
      (p) => p.length === 3 && p.every(isPodReady),
      "3 ready pods",
      { timeoutMs: 20_000 },
    );
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThan(20_000);

    const nodeNames = new Set((await list<Node>("nodes")).map((n) => n.metadata.name));
    for (const pod of pods) {
      expect(nodeNames.has(pod.spec?.nodeName ?? "")).toBe(true);
      expect(pod.status?.podIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      expect(pod.status?.containerStatuses?.[0]?.state?.running).toBeDefined();
    }

    const replicaSets = await list<ReplicaSet>("replicasets", { namespace: ns, selector: SELECTOR });
    expect(replicaSets).toHaveLength(1);
    const rs = replicaSets[0];
    expect(rs?.metadata.ownerReferences?.[0]).toMatchObject({ kind: "Deployment", name: "web" });
    for (const pod of pods) {
      expect(pod.metadata.ownerReferences?.[0]).toMatchObject({
        kind: "ReplicaSet",
        name: rs?.metadata.name,
      });
    }
  });

  it("replaces a deleted pod", async () => {
    const before = await list<Pod>("pods", { namespace: ns, selector: SELECTOR });
    const victim = before[0]?.metadata.name;
    expect(victim).toBeDefined();
    await kubectlOk(["delete", "pod", victim ?? "", "--wait=false"], { namespace: ns });
    const after = await waitForPods(
      ns,
      SELECTOR,
      (p) => p.length === 3 && p.every(isPodReady) && p.every((x) => x.metadata.name !== victim),
      "a ready replacement",
    );
    expect(after.map((p) => p.metadata.name)).not.toContain(victim);
  });

  it("scales to 0 and back to 3", async () => {
    await kubectlOk(["scale", "deployment/web", "--replicas=0"], { namespace: ns });
    await waitForPods(ns, SELECTOR, (p) => p.length === 0, "no pods");
    await kubectlOk(["scale", "deployment/web", "--replicas=3"], { namespace: ns });
    const pods = await waitForPods(
      ns,
      SELECTOR,
      (p) => p.length === 3 && p.every(isPodReady),
      "3 ready pods",
    );
    expect(pods).toHaveLength(3);
  });

  it("garbage-collects ReplicaSet and pods when the Deployment is deleted", async () => {
    await kubectlOk(["delete", "deployment", "web", "--wait=false"], { namespace: ns });
    await waitFor("ReplicaSet and pods to be collected", async () => {
      const rs = await list<ReplicaSet>("replicasets", { namespace: ns, selector: SELECTOR });
      const pods = await list<Pod>("pods", { namespace: ns, selector: SELECTOR });
      return rs.length === 0 && pods.length === 0;
    });
  });

  it("runs a Job's pod to completion", async () => {
    await apply(
      {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: { name: "once" },
        spec: {
          template: {
            spec: {
              restartPolicy: "Never",
              containers: [{ name: "once", image: "registry.example/job:1.0" }],
            },
          },
        },
      },
      { namespace: ns },
    );
    await waitFor("Job complete", async () => {
      const job = await get<KubeObject & { status?: { succeeded?: number } }>("job", "once", {
        namespace: ns,
      });
      return (job?.status?.succeeded ?? 0) === 1;
    });
    const pods = await list<Pod>("pods", { namespace: ns, selector: "job-name=once" });
    expect(pods[0]?.status?.phase).toBe("Succeeded");
  });
});
