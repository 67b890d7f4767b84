// Proof that RBAC is enforced and that ServiceAccount tokens work: a ServiceAccount bound to a
// namespaced Role can list pods in its namespace and gets 403 Forbidden elsewhere.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  apply,
  createNamespace,
  deleteNamespace,
  kubeconfigForToken,
  kubectl,
  kubectlOk,
} from "../lib/kubectl.js";

describe("RBAC", () => {
  let home = "";
  let other = "";
  let tokenKubeconfig = "";

  beforeAll(async () => {
    home = await createNamespace("e2e-rbac");
    other = await createNamespace("e2e-rbac-other");
    await apply(
      [
        { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "reader", namespace: home } },
        {
          apiVersion: "rbac.authorization.k8s.io/v1",
          kind: "Role",
          metadata: { name: "pod-reader", namespace: home },
          rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] }],
        },
        {
          apiVersion: "rbac.authorization.k8s.io/v1",
          kind: "RoleBinding",
          metadata: { name: "reader-pod-reader", namespace: home },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "pod-reader" },
          subjects: [{ kind: "ServiceAccount", name: "reader", namespace: home }],
        },
      ],
      { namespace: home },
    );
    const token = (
      await kubectlOk(["create", "token", "reader", "--duration=10m"], { namespace: home })
    ).trim();
    tokenKubeconfig = await kubeconfigForToken(token);
  });
  afterAll(async () => {
    if (home) await deleteNamespace(home);
    if (other) await deleteNamespace(other);
  });

  it("the token authenticates as the ServiceAccount", async () => {
    const review = await kubectl(["auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"], {
      kubeconfig: tokenKubeconfig,
    });
    expect(review.code).toBe(0);
    expect(review.stdout).toBe(`system:serviceaccount:${home}:reader`);
  });

  it("lists pods in its own namespace", async () => {
    const result = await kubectl(["get", "pods", "-o", "name"], {
      kubeconfig: tokenKubeconfig,
      namespace: home,
    });
    expect(result.stderr).not.toMatch(/forbidden/i);
    expect(result.code).toBe(0);
  });

  it("is forbidden (403) in another namespace and for writes", async () => {
    const elsewhere = await kubectl(["get", "pods"], { kubeconfig: tokenKubeconfig, namespace: other });
    expect(elsewhere.code).not.toBe(0);
    expect(elsewhere.stderr).toMatch(/Forbidden/);
    expect(elsewhere.stderr).toContain(`system:serviceaccount:${home}:reader`);

    const raw = await kubectl(["get", "--raw", `/api/v1/namespaces/${other}/pods`], {
      kubeconfig: tokenKubeconfig,
    });
    expect(raw.stderr).toMatch(/\(Forbidden\)|403/);

    const write = await kubectl(["create", "configmap", "not-allowed"], {
      kubeconfig: tokenKubeconfig,
      namespace: home,
    });
    expect(write.code).not.toBe(0);
    expect(write.stderr).toMatch(/forbidden/i);
  });

  it("impersonation gives the same answers", async () => {
    const as = `system:serviceaccount:${home}:reader`;
    expect((await kubectl(["auth", "can-i", "list", "pods"], { as, namespace: home })).stdout.trim()).toBe(
      "yes",
    );
    expect((await kubectl(["auth", "can-i", "list", "pods"], { as, namespace: other })).stdout.trim()).toBe(
      "no",
    );
  });
});
