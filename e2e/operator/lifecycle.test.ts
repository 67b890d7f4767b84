import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  applyJson,
  createNamespace,
  deleteNamespace,
  ensureCrd,
  getJson,
  IN_CLUSTER,
  kubectl,
  kubectlRaw,
  licenseKit,
  type OperatorProcess,
  putLicenseSecret,
  sampleSpec,
  startOperator,
  tracardi,
  tracardiObject,
  waitFor,
  waitForCondition,
} from "./helpers.js";

interface Named {
  metadata: {
    name: string;
    labels?: Record<string, string>;
    ownerReferences?: { kind: string; controller?: boolean }[];
  };
}
interface List<T> {
  items: T[];
}
interface DeploymentJson extends Named {
  spec: { replicas: number; template: { metadata: { labels: Record<string, string> } } };
}

const NAME = "shop";
let ns = "";
let operator: OperatorProcess;
const kit = licenseKit();

const deploymentNames = async () =>
  (
    await getJson<List<Named>>(["-n", ns, "get", "deployments", "-l", `app.kubernetes.io/instance=${NAME}`])
  ).items
    .map((d) => d.metadata.name)
    .sort();

beforeAll(async () => {
  await ensureCrd();
  ns = await createNamespace("e2e-op-life");
  await putLicenseSecret(ns, kit.key(365));
  operator = startOperator({ namespace: ns, publicKey: kit.publicKey });
});

afterAll(async () => {
  await operator?.stop();
  if (ns) await deleteNamespace(ns);
});

describe("Tracardi lifecycle", () => {
  it("apply → Deployments, Services and ConfigMap with the seed's names and labels", async () => {
    await applyJson(tracardiObject(ns, NAME, sampleSpec()), ns);
    const names = await waitFor(
      "4 deployments",
      async () => {
        const n = await deploymentNames();
        return n.length === 4 ? n : undefined;
      },
      30_000,
    );
    expect(names).toEqual(["shop-private-api", "shop-public-api", "shop-wk-apm", "shop-wk-pl-background"]);

    const deps = await getJson<List<DeploymentJson>>(["-n", ns, "get", "deployments"]);
    for (const d of deps.items) {
      const component = d.metadata.name.replace(`${NAME}-`, "");
      expect(d.metadata.labels).toMatchObject({
        "app.kubernetes.io/name": "tracardi",
        "app.kubernetes.io/instance": NAME,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/managed-by": "tracardi-operator",
      });
      expect(d.metadata.ownerReferences).toEqual([
        expect.objectContaining({ kind: "Tracardi", controller: true }),
      ]);
    }
    const services = await getJson<List<Named>>([
      "-n",
      ns,
      "get",
      "services",
      "-l",
      `app.kubernetes.io/instance=${NAME}`,
    ]);
    expect(services.items.map((s) => s.metadata.name).sort()).toEqual([
      "shop-private-api",
      "shop-public-api",
    ]);
    const cm = await getJson<{ data: Record<string, string> }>([
      "-n",
      ns,
      "get",
      "configmap",
      `${NAME}-config`,
    ]);
    expect(cm.data).toMatchObject({
      TRACARDI_PUBLIC_PORT: "8686",
      TRACARDI_PRIVATE_PORT: "8687",
      TRACARDI_QUEUE: "pulsar",
      TRACARDI_PROCESS_INLINE: "true",
      TRACARDI_WORKFLOW_ENABLED: "false",
    });
  });

  it.skipIf(IN_CLUSTER)("pods become Ready and the resource reports Ready=True", async () => {
    await waitFor(
      "4 ready pods",
      async () => {
        const pods = await getJson<List<{ status: { conditions?: { type: string; status: string }[] } }>>([
          "-n",
          ns,
          "get",
          "pods",
          "-l",
          `app.kubernetes.io/instance=${NAME}`,
        ]);
        const ready = pods.items.filter((p) =>
          p.status.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
        );
        return ready.length === 4;
      },
      60_000,
    );
    const ready = await waitForCondition(ns, NAME, "Ready", { status: "True" }, 60_000);
    expect(ready.reason).toBe("Ready");
    const t = await tracardi(ns, NAME);
    expect(t.status?.observedGeneration).toBe(t.metadata.generation);
    expect(t.status?.publicApi).toBe("1/1");
    expect(t.status?.workers).toBe("2/2");
    expect(t.status?.license?.status).toBe("Valid");
    expect(t.status?.license?.daysRemaining).toBeGreaterThanOrEqual(364);
    const wf = t.status?.conditions?.find((c) => c.type === "WorkflowsEnabled");
    expect(wf).toMatchObject({ status: "False", reason: "Disabled" });
    expect(wf?.message).toContain(
      "no workflow will be triggered until spec.workers.workflow.enabled is true",
    );

    const table = await kubectl(["-n", ns, "get", "trc", NAME]);
    expect(table).toMatch(/NAME\s+READY\s+REASON\s+PUBLIC API\s+WORKERS\s+BACKLOG\s+LICENSE EXPIRY\s+AGE/);
    expect(table).toMatch(/shop\s+True\s+Ready\s+1\/1\s+2\/2\s+\d{4}-/);
  });

  it("turning workflows on sets WorkflowsEnabled=True and TRACARDI_WORKFLOW_ENABLED without a pod (flows run in the collector stage); off reverses both", async () => {
    await kubectl([
      "-n",
      ns,
      "patch",
      "tracardi",
      NAME,
      "--type=merge",
      "-p",
      '{"spec":{"workers":{"workflow":{"enabled":true}}}}',
    ]);
    await waitForCondition(ns, NAME, "WorkflowsEnabled", { status: "True", reason: "Enabled" }, 30_000);
    await waitFor(
      "workflows enabled in the configuration",
      async () =>
        (await getJson<{ data: Record<string, string> }>(["-n", ns, "get", "configmap", `${NAME}-config`]))
          .data.TRACARDI_WORKFLOW_ENABLED === "true",
      30_000,
    );
    expect(await deploymentNames()).not.toContain("shop-wk-pl-workflow");

    await kubectl([
      "-n",
      ns,
      "patch",
      "tracardi",
      NAME,
      "--type=merge",
      "-p",
      '{"spec":{"workers":{"workflow":{"enabled":false}}}}',
    ]);
    await waitForCondition(ns, NAME, "WorkflowsEnabled", { status: "False", reason: "Disabled" }, 30_000);
    const cm = await getJson<{ data: Record<string, string> }>([
      "-n",
      ns,
      "get",
      "configmap",
      `${NAME}-config`,
    ]);
    expect(cm.data.TRACARDI_WORKFLOW_ENABLED).toBe("false");
    expect(await deploymentNames()).not.toContain("shop-wk-pl-workflow");
  });

  it("turning the collector on adds wk-pl-collector and stops inline processing; off reverses both", async () => {
    await kubectl([
      "-n",
      ns,
      "patch",
      "tracardi",
      NAME,
      "--type=merge",
      "-p",
      '{"spec":{"workers":{"collector":{"enabled":true}}}}',
    ]);
    await waitFor(
      "collector deployment",
      async () => (await deploymentNames()).includes("shop-wk-pl-collector"),
      30_000,
    );
    await waitFor(
      "inline off",
      async () =>
        (await getJson<{ data: Record<string, string> }>(["-n", ns, "get", "configmap", `${NAME}-config`]))
          .data.TRACARDI_PROCESS_INLINE === "false",
      30_000,
    );
    await kubectl([
      "-n",
      ns,
      "patch",
      "tracardi",
      NAME,
      "--type=merge",
      "-p",
      '{"spec":{"workers":{"collector":{"enabled":false}}}}',
    ]);
    await waitFor(
      "collector deployment gone",
      async () => !(await deploymentNames()).includes("shop-wk-pl-collector"),
      30_000,
    );
    const cm = await getJson<{ data: Record<string, string> }>([
      "-n",
      ns,
      "get",
      "configmap",
      `${NAME}-config`,
    ]);
    expect(cm.data.TRACARDI_PROCESS_INLINE).toBe("true");
  });

  it("a hand-edited child is reverted", async () => {
    await kubectl(["-n", ns, "scale", "deployment", "shop-public-api", "--replicas=3"]);
    await kubectl([
      "-n",
      ns,
      "label",
      "deployment",
      "shop-wk-apm",
      "app.kubernetes.io/managed-by=someone-else",
      "--overwrite",
    ]);
    await waitFor(
      "replicas back to 1",
      async () =>
        (await getJson<DeploymentJson>(["-n", ns, "get", "deployment", "shop-public-api"])).spec.replicas ===
        1,
      30_000,
    );
    // The label edit drops the Deployment from the operator's watch selector; the periodic resync still restores it.
    await waitFor(
      "label restored",
      async () =>
        (await getJson<DeploymentJson>(["-n", ns, "get", "deployment", "shop-wk-apm"])).metadata.labels?.[
          "app.kubernetes.io/managed-by"
        ] === "tracardi-operator",
      45_000,
    );
    await kubectl([
      "-n",
      ns,
      "patch",
      "configmap",
      `${NAME}-config`,
      "--type=merge",
      "-p",
      '{"data":{"TRACARDI_QUEUE":"embedded"}}',
    ]);
    await waitFor(
      "config restored",
      async () =>
        (await getJson<{ data: Record<string, string> }>(["-n", ns, "get", "configmap", `${NAME}-config`]))
          .data.TRACARDI_QUEUE === "pulsar",
      30_000,
    );
  });

  it("Events show in kubectl describe", async () => {
    const described = await kubectl(["-n", ns, "describe", "tracardi", NAME]);
    expect(described).toMatch(/Events:/);
    // Real pods on kind need Elasticsearch, MySQL and Pulsar to become ready; kwok's are ready at once.
    if (!IN_CLUSTER) expect(described).toMatch(/Normal\s+Ready/);
    expect(described).toMatch(/Normal\s+WorkflowsEnabled/);
  });

  it("delete → every child is garbage-collected", async () => {
    await kubectl(["-n", ns, "delete", "tracardi", NAME, "--wait=true", "--timeout=60s"]);
    await waitFor(
      "children gone",
      async () => {
        const r = await kubectlRaw([
          "-n",
          ns,
          "get",
          "deployments,services,configmaps,pods",
          "-l",
          `app.kubernetes.io/instance=${NAME}`,
          "-o",
          "name",
        ]);
        return r.code === 0 && r.stdout.trim() === "";
      },
      90_000,
      1000,
    );
  });
});
