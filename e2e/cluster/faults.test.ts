// Proof of the failure simulation of the local cluster (kwok stages selected by the pod label
// e2e.tracardi.io/fault) and of pod logs served by kwok. Only on the local cluster: a real
// cluster (kind) has real kubelets.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  apply,
  containerStatus,
  createNamespace,
  deleteNamespace,
  FAULT_LABEL,
  type Fault,
  get,
  isPodReady,
  type KubeObject,
  kubectl,
  kubectlOk,
  list,
  type Manifest,
  type Pod,
  setPodLogs,
  waitForPod,
  waitForPods,
} from "../lib/kubectl.js";

interface KubeEvent extends KubeObject {
  involvedObject: { kind: string; name: string };
  type: string;
  reason: string;
}

function pod(name: string, fault?: Fault, annotations: Record<string, string> = {}): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels: { app: name, ...(fault ? { [FAULT_LABEL]: fault } : {}) }, annotations },
    spec: { containers: [{ name: "main", image: "registry.example/app:1.0" }] },
  };
}

const inCrashLoop = (reason: string) => (p: Pod) => {
  const s = containerStatus(p);
  return (
    s?.state?.waiting?.reason === "CrashLoopBackOff" &&
    s.lastState?.terminated?.reason === reason &&
    s.restartCount >= 1 &&
    !isPodReady(p)
  );
};

describe.skipIf(inject("cluster") !== "local")("fault label e2e.tracardi.io/fault", () => {
  let ns = "";
  beforeAll(async () => {
    ns = await createNamespace("e2e-faults");
  });
  afterAll(async () => {
    if (ns) await deleteNamespace(ns);
  });

  it("oom: OOMKilled (137), then CrashLoopBackOff with a growing restartCount", async () => {
    await apply(pod("oom", "oom", { "e2e.tracardi.io/fault-backoff": "1s" }), { namespace: ns });
    const first = await waitForPod(ns, "oom", inCrashLoop("OOMKilled"), "CrashLoopBackOff after OOMKilled");
    const status = containerStatus(first);
    expect(first.status?.phase).toBe("Running");
    expect(status?.ready).toBe(false);
    expect(status?.lastState?.terminated).toMatchObject({ reason: "OOMKilled", exitCode: 137 });
    expect(first.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("False");

    const count = status?.restartCount ?? 0;
    const later = await waitForPod(
      ns,
      "oom",
      (p) => inCrashLoop("OOMKilled")(p) && (containerStatus(p)?.restartCount ?? 0) > count,
      `restartCount > ${count}`,
      { timeoutMs: 15_000 },
    );
    expect(containerStatus(later)?.restartCount).toBeGreaterThan(count);
  });

  it("oom: removing the label brings the pod back to Running and Ready", async () => {
    await kubectlOk(["label", "pod", "oom", `${FAULT_LABEL}-`], { namespace: ns });
    const healed = await waitForPod(ns, "oom", isPodReady, "Running and Ready", { timeoutMs: 15_000 });
    const status = containerStatus(healed);
    expect(status?.state?.running).toBeDefined();
    expect(status?.ready).toBe(true);
    // Like a kubelet, the restart history survives the recovery.
    expect(status?.restartCount).toBeGreaterThanOrEqual(1);
    expect(status?.lastState?.terminated?.reason).toBe("OOMKilled");
  });

  it("oom: adding the label to a healthy pod makes it fail", async () => {
    await kubectlOk(["label", "pod", "oom", `${FAULT_LABEL}=oom`], { namespace: ns });
    await waitForPod(ns, "oom", (p) => !isPodReady(p) && inCrashLoop("OOMKilled")(p), "failing again");
  });

  it("the first failure is recorded as a Warning event on the pod", async () => {
    const events = await list<KubeEvent>("events", { namespace: ns });
    expect(
      events.some((e) => e.involvedObject.name === "oom" && e.type === "Warning" && e.reason === "E2EFault"),
    ).toBe(true);
  });

  it("crashloop: non-zero exit with a termination message, then CrashLoopBackOff", async () => {
    await apply(pod("crash", "crashloop", { "e2e.tracardi.io/fault-message": "panic: config missing" }), {
      namespace: ns,
    });
    const p = await waitForPod(ns, "crash", inCrashLoop("Error"), "CrashLoopBackOff after Error");
    expect(containerStatus(p)?.lastState?.terminated).toMatchObject({
      reason: "Error",
      exitCode: 1,
      message: "panic: config missing",
    });
    expect(containerStatus(p)?.state?.waiting?.message).toContain("back-off");
  });

  it("imagepull: waiting ImagePullBackOff, pod Pending, until the label is removed", async () => {
    await apply(pod("pull", "imagepull"), { namespace: ns });
    const p = await waitForPod(
      ns,
      "pull",
      (x) => containerStatus(x)?.state?.waiting?.reason === "ImagePullBackOff",
      "ImagePullBackOff",
    );
    expect(p.status?.phase).toBe("Pending");
    expect(containerStatus(p)?.state?.waiting?.message).toContain("registry.example/app:1.0");
    expect(isPodReady(p)).toBe(false);

    await kubectlOk(["label", "pod", "pull", `${FAULT_LABEL}-`], { namespace: ns });
    await waitForPod(ns, "pull", isPodReady, "Running and Ready");
  });

  it("unready: Running with its container started but not Ready, until the label is removed", async () => {
    await apply(pod("ready", undefined), { namespace: ns });
    await waitForPod(ns, "ready", isPodReady, "Running and Ready");
    await kubectlOk(["label", "pod", "ready", `${FAULT_LABEL}=unready`], { namespace: ns });
    const p = await waitForPod(ns, "ready", (x) => !isPodReady(x), "not Ready");
    expect(p.status?.phase).toBe("Running");
    expect(containerStatus(p)).toMatchObject({ ready: false, started: true, restartCount: 0 });
    expect(containerStatus(p)?.state?.running).toBeDefined();

    await kubectlOk(["label", "pod", "ready", `${FAULT_LABEL}-`], { namespace: ns });
    await waitForPod(ns, "ready", isPodReady, "Ready again");
  });

  it("a pod without the label becomes Running and Ready", async () => {
    await apply(pod("healthy"), { namespace: ns });
    const p = await waitForPod(ns, "healthy", isPodReady, "Running and Ready", { timeoutMs: 10_000 });
    expect(containerStatus(p)?.restartCount).toBe(0);
  });

  it("a Deployment whose pod template carries the label fails until the template drops it", async () => {
    const manifest = (fault?: Fault): Manifest => ({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "broken" },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: "broken" } },
        template: {
          metadata: { labels: { app: "broken", ...(fault ? { [FAULT_LABEL]: fault } : {}) } },
          spec: { containers: [{ name: "main", image: "registry.example/app:1.0" }] },
        },
      },
    });
    await apply(manifest("crashloop"), { namespace: ns });
    await waitForPods(
      ns,
      "app=broken",
      (pods) => pods.length === 2 && pods.every(inCrashLoop("Error")),
      "2 pods in CrashLoopBackOff",
    );
    const deployment = await get<KubeObject & { status?: { availableReplicas?: number } }>(
      "deployment",
      "broken",
      { namespace: ns },
    );
    expect(deployment?.status?.availableReplicas ?? 0).toBe(0);

    await apply(manifest(), { namespace: ns });
    await waitForPods(
      ns,
      "app=broken",
      (pods) => pods.length === 2 && pods.every((p) => isPodReady(p) && !p.metadata.labels?.[FAULT_LABEL]),
      "2 healthy pods from the new template",
    );
  });

  it("kubectl logs returns the lines a test provides (current and --previous)", async () => {
    await setPodLogs(ns, "oom", [
      {
        container: "main",
        lines: ["starting worker", "java.lang.OutOfMemoryError: Java heap space"],
        previousLines: ["previous run", "killed"],
      },
    ]);
    expect(await kubectlOk(["logs", "oom"], { namespace: ns })).toBe(
      "starting worker\njava.lang.OutOfMemoryError: Java heap space\n",
    );
    expect(await kubectlOk(["logs", "oom", "--tail=1"], { namespace: ns })).toBe(
      "java.lang.OutOfMemoryError: Java heap space\n",
    );
    expect(await kubectlOk(["logs", "oom", "--previous"], { namespace: ns })).toBe("previous run\nkilled\n");

    const none = await kubectl(["logs", "healthy"], { namespace: ns });
    expect(none.code).not.toBe(0);
  });
});
