import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubeconfigForToken } from "../lib/kubectl.js";
import {
  applyJson,
  createNamespace,
  deleteNamespace,
  ensureCrd,
  IN_CLUSTER,
  kubectl,
  kubectlRaw,
  licenseKit,
  type OperatorProcess,
  putLicenseSecret,
  ROOT,
  sampleSpec,
  startOperator,
  tracardiObject,
  waitFor,
  waitForCondition,
} from "./helpers.js";

const SA = "system:serviceaccount:tracardi-system:tracardi-operator";
let ns = "";
let operator: OperatorProcess | undefined;
const kit = licenseKit();

const can = async (verb: string, resource: string, extra: string[] = []) =>
  (await kubectlRaw(["auth", "can-i", verb, resource, `--as=${SA}`, "-A", ...extra])).stdout.trim() === "yes";

beforeAll(async () => {
  await ensureCrd();
  await kubectl([
    "apply",
    "--server-side",
    "-f",
    join(ROOT, "manifests/namespace.yaml"),
    "-f",
    join(ROOT, "manifests/serviceaccount.yaml"),
    "-f",
    join(ROOT, "manifests/rbac.yaml"),
  ]);
  ns = await createNamespace("e2e-op-rbac");
});

afterAll(async () => {
  await operator?.stop();
  if (ns) await deleteNamespace(ns);
});

describe("least-privilege RBAC from manifests/", () => {
  it("grants what the operator uses and nothing more", async () => {
    expect(await can("watch", "tracardis.tracardi.io")).toBe(true);
    expect(await can("patch", "tracardis.tracardi.io", ["--subresource=status"])).toBe(true);
    expect(await can("update", "tracardis.tracardi.io")).toBe(false);
    expect(await can("patch", "tracardis.tracardi.io")).toBe(false);
    expect(await can("patch", "deployments.apps")).toBe(true);
    expect(await can("delete", "deployments.apps")).toBe(true);
    expect(await can("delete", "services")).toBe(false);
    expect(await can("patch", "poddisruptionbudgets.policy")).toBe(true);
    expect(await can("delete", "poddisruptionbudgets.policy")).toBe(true);
    expect(await can("update", "poddisruptionbudgets.policy")).toBe(false);
    expect(await can("get", "poddisruptionbudgets.policy")).toBe(false);
    expect(await can("get", "secrets")).toBe(true);
    expect(await can("update", "secrets")).toBe(false);
    expect(await can("create", "secrets")).toBe(true);
    expect(await can("patch", "secrets")).toBe(false);
    expect(await can("delete", "secrets")).toBe(false);
    expect(await can("delete", "pods")).toBe(false);
    expect(await can("get", "pods", ["--subresource=log"])).toBe(true);
    expect(await can("create", "pods", ["--subresource=exec"])).toBe(false);
    expect(await can("create", "events.events.k8s.io")).toBe(true);
    expect(
      (
        await kubectlRaw([
          "auth",
          "can-i",
          "update",
          "leases.coordination.k8s.io",
          `--as=${SA}`,
          "-n",
          "tracardi-system",
        ])
      ).stdout.trim(),
    ).toBe("yes");
    expect(
      (
        await kubectlRaw([
          "auth",
          "can-i",
          "update",
          "leases.coordination.k8s.io",
          `--as=${SA}`,
          "-n",
          "default",
        ])
      ).stdout.trim(),
    ).toBe("no");
  });

  it.skipIf(IN_CLUSTER)("the operator runs on the ServiceAccount's token alone", async () => {
    const token = (
      await kubectl(["-n", "tracardi-system", "create", "token", "tracardi-operator", "--duration=1h"])
    ).trim();
    const kubeconfig = await kubeconfigForToken(token);
    operator = startOperator({
      namespace: ns,
      publicKey: kit.publicKey,
      kubeconfig,
      leaderElect: true,
      leaseNamespace: "tracardi-system",
      leaseName: `e2e-rbac-${ns}`,
      identity: "rbac-test",
    });
    await putLicenseSecret(ns, kit.key(100));
    await applyJson(tracardiObject(ns, "rbac", sampleSpec({ workers: { workflow: { enabled: true } } })), ns);
    await waitForCondition(ns, "rbac", "Ready", { status: "True" }, 60_000);
    await kubectl([
      "-n",
      ns,
      "patch",
      "tracardi",
      "rbac",
      "--type=merge",
      "-p",
      '{"spec":{"workers":{"workflow":{"enabled":false}}}}',
    ]);
    await waitFor(
      "workflow deployment deleted",
      async () => (await kubectlRaw(["-n", ns, "get", "deployment", "rbac-wk-pl-workflow"])).code !== 0,
      30_000,
    );
    // PodDisruptionBudgets: created when the public API scales out, deleted when it scales back.
    const scalePublic = (replicas: number) =>
      kubectl([
        "-n",
        ns,
        "patch",
        "tracardi",
        "rbac",
        "--type=merge",
        "-p",
        JSON.stringify({ spec: { api: { public: { replicas } } } }),
      ]);
    const hasBudget = async () =>
      (await kubectlRaw(["-n", ns, "get", "poddisruptionbudget", "rbac-public-api"])).code === 0;
    await scalePublic(2);
    await waitFor("public-api PodDisruptionBudget", hasBudget, 30_000);
    await scalePublic(1);
    await waitFor("public-api PodDisruptionBudget deleted", async () => !(await hasBudget()), 30_000);
    const described = await kubectl(["-n", ns, "describe", "tracardi", "rbac"]);
    expect(described).toMatch(/Normal\s+Ready/);
    expect(operator.logs.join("")).not.toMatch(/forbidden/i);
  });
});
