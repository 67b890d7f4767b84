import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
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
  tracardi,
  tracardiObject,
  waitFor,
  waitForCondition,
} from "./helpers.js";
import { startRecordingProxy } from "./recording-proxy.js";

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
    join(ROOT, "manifests/base/namespace.yaml"),
    "-f",
    join(ROOT, "manifests/base/serviceaccount.yaml"),
    "-f",
    join(ROOT, "manifests/base/leader-election.yaml"),
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
    await applyJson(tracardiObject(ns, "rbac", sampleSpec()), ns);
    await waitForCondition(ns, "rbac", "Ready", { status: "True" }, 60_000);
    await kubectl([
      "-n",
      ns,
      "patch",
      "tracardi",
      "rbac",
      "--type=merge",
      "-p",
      '{"spec":{"workers":{"apm":{"enabled":false}}}}',
    ]);
    await waitFor(
      "apm deployment deleted",
      async () => (await kubectlRaw(["-n", ns, "get", "deployment", "rbac-wk-apm"])).code !== 0,
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

// ---- manifests/namespaced/: Roles only, a list of namespaces, Secrets as metadata ------------------

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}
interface Manifest {
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: Rule[];
  subjects?: { kind: string; name: string; namespace: string }[];
  spec?: { template: { spec: { containers: { env?: { name: string; value?: string }[] }[] } } };
}

const render = async (dir: string): Promise<Manifest[]> =>
  parseAllDocuments(await kubectl(["kustomize", join(ROOT, dir)])).map((d) => d.toJSON() as Manifest);

const find = (docs: Manifest[], kind: string, name: string): Manifest => {
  const found = docs.find((d) => d.kind === kind && d.metadata.name === name);
  if (!found) throw new Error(`${kind} ${name} not rendered`);
  return found;
};

/** The manifest moved into `namespace`, its RoleBinding subject made `sa` of `home`. */
function rebind(doc: Manifest, namespace: string, home: string, sa: string): Manifest {
  const moved: Manifest = structuredClone(doc);
  moved.metadata.namespace = namespace;
  if (moved.subjects) moved.subjects = [{ kind: "ServiceAccount", name: sa, namespace: home }];
  return moved;
}

describe.skipIf(IN_CLUSTER)("namespaced install (manifests/namespaced/)", () => {
  const opened: { close: () => Promise<void> }[] = [];
  const running: OperatorProcess[] = [];
  let watched = "";
  let second = "";
  let other = "";
  let home = "";
  let namespaced: Manifest[] = [];

  beforeAll(async () => {
    namespaced = await render("manifests/namespaced");
    [watched, second, other, home] = await Promise.all([
      createNamespace("e2e-op-nsw"),
      createNamespace("e2e-op-ns2"),
      createNamespace("e2e-op-nso"),
      createNamespace("e2e-op-nsh"),
    ]);
  });

  afterAll(async () => {
    for (const op of running) await op.stop("SIGKILL");
    for (const o of opened) await o.close();
    for (const n of [watched, second, other, home]) if (n) await deleteNamespace(n);
  });

  it("grants the ClusterRole's rules with Roles only, and scopes the operator with WATCH_NAMESPACES", async () => {
    expect(namespaced.filter((d) => d.kind.startsWith("Cluster")).map((d) => d.kind)).toEqual([]);
    const clusterRole = find(await render("manifests"), "ClusterRole", "tracardi-operator");
    expect(find(namespaced, "Role", "tracardi-operator").rules).toEqual(clusterRole.rules);
    const env = find(namespaced, "Deployment", "tracardi-operator").spec?.template.spec.containers[0]?.env;
    expect(env).toContainEqual({ name: "WATCH_NAMESPACES", value: "tracardi" });
  });

  it("reports a missing permission, reconciles its namespaces once granted, ignores others, never receives Secret data", async () => {
    // The operator's identity: a ServiceAccount of its own, bound by the variant's Roles rebound here.
    await kubectl(["-n", home, "create", "serviceaccount", "op"]);
    const role = rebind(find(namespaced, "Role", "tracardi-operator"), watched, home, "op");
    const withoutSecretWatch: Manifest = {
      ...role,
      rules: (role.rules ?? []).filter((r) => !r.resources.includes("secrets")),
    };
    for (const doc of [
      rebind(find(namespaced, "Role", "tracardi-operator-leader-election"), home, home, "op"),
      rebind(find(namespaced, "RoleBinding", "tracardi-operator-leader-election"), home, home, "op"),
      // The first watched namespace lacks the Secret rule at first; the second has all it needs.
      withoutSecretWatch,
      rebind(find(namespaced, "RoleBinding", "tracardi-operator"), watched, home, "op"),
      rebind(find(namespaced, "Role", "tracardi-operator"), second, home, "op"),
      rebind(find(namespaced, "RoleBinding", "tracardi-operator"), second, home, "op"),
    ])
      await applyJson(doc);
    expect(
      (await kubectlRaw(["auth", "can-i", "list", "secrets", `--as=system:serviceaccount:${home}:op`, "-A"]))
        .stdout,
    ).toMatch(/^no/);

    const token = (await kubectl(["-n", home, "create", "token", "op", "--duration=1h"])).trim();
    const proxy = await startRecordingProxy(process.env.E2E_HOST ?? "127.0.0.1");
    opened.push(proxy);
    const op = startOperator({
      namespace: watched,
      publicKey: kit.publicKey,
      kubeconfig: await kubeconfigForToken(token, proxy.url),
      leaderElect: true,
      leaseNamespace: home,
      leaseName: "op",
      identity: "namespaced-op",
      extraArgs: ["--namespaces", `${watched},${second}`],
    });
    running.push(op);

    const refusal = await waitFor(
      "the missing permission logged",
      async () =>
        op.logs
          .join("")
          .split("\n")
          .find((l) => l.includes("missing permission")),
      30_000,
    );
    expect(refusal).toContain('cannot list resource \\"secrets\\"');
    expect(refusal).toContain(`in the namespace \\"${watched}\\"`);
    expect(refusal).toContain('"level":50');
    expect((await fetch(`http://127.0.0.1:${op.port}/readyz`)).status).toBe(503);

    // A decoy Secret the operator has no reason to read, and the licence it must read.
    const decoy = "decoy-secret-value-4711";
    await kubectl(["-n", watched, "create", "secret", "generic", "decoy", `--from-literal=token=${decoy}`]);
    for (const n of [watched, second, other]) {
      await putLicenseSecret(n, kit.key(100));
      await applyJson(tracardiObject(n, "scoped", sampleSpec()), n);
    }
    await applyJson(role); // grant it: the operator retries and goes on, no restart
    await waitForCondition(watched, "scoped", "Reconciled", { status: "True" }, 90_000);
    await waitForCondition(watched, "scoped", "LicenseValid", { status: "True" }, 30_000);
    await waitForCondition(second, "scoped", "Reconciled", { status: "True" }, 30_000);
    await waitForCondition(second, "scoped", "LicenseValid", { status: "True" }, 30_000);
    // Ready once the refused Secret informer's retry (backoff) lists them.
    await waitFor(
      "readyz 200",
      async () => (await fetch(`http://127.0.0.1:${op.port}/readyz`)).status === 200,
      45_000,
    );

    // The namespace not listed is neither read nor written.
    expect((await tracardi(other, "scoped")).status).toBeUndefined();
    expect((await kubectl(["-n", other, "get", "deployments", "-o", "name"])).trim()).toBe("");
    const paths = proxy.requests.map((r) => new URL(r.url, "http://x").pathname);
    const outside = paths.filter(
      (p) =>
        !p.includes(`/namespaces/${watched}/`) &&
        !p.includes(`/namespaces/${second}/`) &&
        !p.startsWith(`/apis/coordination.k8s.io/v1/namespaces/${home}/leases`),
    );
    expect(outside).toEqual([]);

    // Secrets: listed and watched as metadata only; the only Secrets read with their data are the
    // licences and the generated admin tokens; the only one written is the admin token (create).
    const secretCalls = proxy.requests.filter((r) =>
      new URL(r.url, "http://x").pathname.includes("/secrets"),
    );
    const collection = secretCalls.filter(
      (r) => r.method === "GET" && new URL(r.url, "http://x").pathname.endsWith("/secrets"),
    );
    expect(collection.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(4); // list + watch, twice
    for (const r of collection)
      expect(r.accept).toMatch(/;as=PartialObjectMetadata(List)?;g=meta\.k8s\.io;v=v1$/);
    for (const r of collection) expect(r.body).not.toMatch(/"data"|"stringData"/);
    const named = secretCalls
      .filter((r) => !collection.includes(r))
      .map((r) => `${r.method} ${new URL(r.url, "http://x").pathname}`);
    const required = [watched, second].flatMap((n) => [
      `GET /api/v1/namespaces/${n}/secrets/tracardi-license`,
      `POST /api/v1/namespaces/${n}/secrets`,
    ]);
    // The admin token is read once the private API has a ready pod to ask (AutoMerging, SearchDiskPressure).
    const allowed = new Set([
      ...required,
      ...[watched, second].map((n) => `GET /api/v1/namespaces/${n}/secrets/scoped-admin-token`),
    ]);
    for (const call of required) expect(named).toContain(call);
    for (const call of named) expect(allowed.has(call), call).toBe(true);
    const everything = proxy.requests.map((r) => r.body).join("");
    expect(everything).not.toContain(Buffer.from(decoy).toString("base64"));
    expect(everything).not.toContain(decoy);
  });
});
