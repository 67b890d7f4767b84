// Scheduling fields and PodDisruptionBudgets on the API server and scheduler: a tainted node of our
// own, PriorityClasses, and a Tracardi with global and per-component scheduling.
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
  ROOT,
  sampleSpec,
  startOperator,
  tracardiObject,
  waitFor,
  waitForCondition,
} from "./helpers.js";

interface PodJson {
  metadata: { name: string; labels: Record<string, string> };
  spec: { nodeName?: string; priority?: number; priorityClassName?: string };
}
interface PdbJson {
  metadata: { name: string; ownerReferences?: { kind: string; controller?: boolean }[] };
  spec: { maxUnavailable?: number | string; selector: { matchLabels: Record<string, string> } };
}
interface List<T> {
  items: T[];
}

const NAME = "sched";
const POOL_KEY = "e2e.tracardi.io/pool";
let ns = "";
let node = "";
let operator: OperatorProcess | undefined;
const kit = licenseKit();

const pods = async (component: string) =>
  (
    await getJson<List<PodJson>>([
      "-n",
      ns,
      "get",
      "pods",
      "-l",
      `app.kubernetes.io/instance=${NAME},app.kubernetes.io/component=${component}`,
    ])
  ).items;

const pdbNames = async () =>
  (await getJson<List<PdbJson>>(["-n", ns, "get", "poddisruptionbudgets"])).items
    .map((p) => p.metadata.name)
    .sort();

/** Waits until the component has `count` scheduled pods and returns them. */
const scheduled = (component: string, count: number) =>
  waitFor(`${count} scheduled ${component} pods`, async () => {
    const list = await pods(component);
    return list.length === count && list.every((p) => p.spec.nodeName) ? list : undefined;
  });

const patch = (body: unknown) =>
  kubectl(["-n", ns, "patch", "tracardi", NAME, "--type=merge", "-p", JSON.stringify(body)]);

beforeAll(async () => {
  await ensureCrd();
  ns = await createNamespace("e2e-op-sched");
  node = `${ns}-node`;
  // A kwok node only pods that select the pool and tolerate its taint may use.
  await applyJson({
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: node,
      annotations: { "kwok.x-k8s.io/node": "fake" },
      labels: { type: "kwok", "kubernetes.io/os": "linux", "kubernetes.io/hostname": node, [POOL_KEY]: ns },
    },
    spec: { taints: [{ key: POOL_KEY, value: ns, effect: "NoSchedule" }] },
  });
  await kubectl(["wait", "--for=condition=Ready", `node/${node}`, "--timeout=60s"]);
  for (const [name, value] of [
    [`${ns}-low`, 100],
    [`${ns}-high`, 1000],
  ] as const) {
    await applyJson({ apiVersion: "scheduling.k8s.io/v1", kind: "PriorityClass", metadata: { name }, value });
  }
  await putLicenseSecret(ns, kit.key(100));
  operator = startOperator({ namespace: ns, publicKey: kit.publicKey });
});

afterAll(async () => {
  await operator?.stop();
  if (ns) {
    await deleteNamespace(ns);
    await kubectlRaw(["delete", "node", node, "--ignore-not-found"]);
    await kubectlRaw(["delete", "priorityclass", `${ns}-low`, `${ns}-high`, "--ignore-not-found"]);
  }
});

describe("install commands of the README", () => {
  it("kubectl apply -f crds/ applies the CRD alone; kubectl apply -k manifests/ includes it", async () => {
    const applied = await kubectlRaw(["apply", "-f", `${ROOT}/crds/`]);
    // Other suites create the CRD first without kubectl's annotation; kubectl warns and adds it.
    const errors = applied.stderr
      .split("\n")
      .filter((line) => line !== "" && !line.includes("last-applied-configuration annotation"));
    expect(errors).toEqual([]);
    expect(applied.stdout.trim().split("\n")).toEqual([
      expect.stringMatching(/^customresourcedefinition.apiextensions.k8s.io\/tracardis.tracardi.io /),
    ]);
    const rendered = await kubectl(["kustomize", `${ROOT}/manifests/`]);
    expect(rendered).toContain("kind: CustomResourceDefinition");
    expect(rendered).toContain("poddisruptionbudgets");
  });
});

describe("scheduling and PodDisruptionBudgets", () => {
  it("the CRD rejects malformed scheduling and budgets with the field named", async () => {
    const dryRun = async (spec: Record<string, unknown>) =>
      await kubectlRaw(
        ["apply", "--server-side", "--dry-run=server", "-n", ns, "-f", "-"],
        JSON.stringify(tracardiObject(ns, "bad", sampleSpec(spec))),
      );
    const badOperator = await dryRun({ scheduling: { tolerations: [{ key: "a", operator: "Maybe" }] } });
    expect(badOperator.code).not.toBe(0);
    expect(badOperator.stderr).toContain("spec.scheduling.tolerations[0].operator");
    const zero = await dryRun({ api: { public: { podDisruptionBudget: { maxUnavailable: 0 } } } });
    expect(zero.code).not.toBe(0);
    expect(zero.stderr).toContain("spec.api.public.podDisruptionBudget.maxUnavailable");
    const percent = await dryRun({ api: { private: { podDisruptionBudget: { maxUnavailable: "150%" } } } });
    expect(percent.code).not.toBe(0);
    const spread = await dryRun({
      workers: { apm: { scheduling: { topologySpreadConstraints: [{ maxSkew: 1 }] } } },
    });
    expect(spread.code).not.toBe(0);
    expect(spread.stderr).toContain("topologyKey");
    const typo = await dryRun({ scheduling: { affinity: { nodeAfinity: {} } } });
    expect(typo.code).not.toBe(0);
    expect(typo.stderr).toContain("nodeAfinity");
    expect(
      (await dryRun({ api: { private: { podDisruptionBudget: { maxUnavailable: "25%" } } } })).code,
    ).toBe(0);
    const fullSample = await kubectlRaw([
      "apply",
      "--server-side",
      "--dry-run=server",
      "-n",
      ns,
      "-f",
      `${ROOT}/manifests/samples/tracardi_full.yaml`,
    ]);
    expect(fullSample.stderr).toBe("");
    expect(fullSample.code).toBe(0);
  });

  it.skipIf(IN_CLUSTER)(
    "global scheduling reaches every component, a component's own fields replace it",
    async () => {
      const spec = sampleSpec({
        scheduling: {
          nodeSelector: { [POOL_KEY]: ns },
          tolerations: [{ key: POOL_KEY, operator: "Equal", value: ns, effect: "NoSchedule" }],
          priorityClassName: `${ns}-low`,
        },
        api: {
          // Off the pool (the taint is no longer tolerated), one pod per node, at a higher priority.
          public: {
            replicas: 3,
            scheduling: {
              nodeSelector: { type: "kwok" },
              tolerations: [],
              priorityClassName: `${ns}-high`,
              topologySpreadConstraints: [
                {
                  maxSkew: 1,
                  topologyKey: "kubernetes.io/hostname",
                  whenUnsatisfiable: "DoNotSchedule",
                  nodeTaintsPolicy: "Honor",
                },
              ],
            },
          },
          private: { replicas: 2, podDisruptionBudget: { maxUnavailable: "50%" } },
        },
        workers: {
          // {} clears the inherited nodeSelector; the affinity pins the worker to one node.
          apm: {
            scheduling: {
              nodeSelector: {},
              tolerations: [],
              affinity: {
                nodeAffinity: {
                  requiredDuringSchedulingIgnoredDuringExecution: {
                    nodeSelectorTerms: [
                      {
                        matchExpressions: [
                          { key: "kubernetes.io/hostname", operator: "In", values: ["kwok-node-0"] },
                        ],
                      },
                    ],
                  },
                },
              },
            },
          },
        },
      });
      await applyJson(tracardiObject(ns, NAME, spec), ns);
      await waitForCondition(ns, NAME, "Ready", { status: "True" }, 90_000);

      for (const component of ["private-api", "wk-pl-background"]) {
        for (const pod of await scheduled(component, component === "private-api" ? 2 : 1)) {
          expect(pod.spec.nodeName).toBe(node);
          expect(pod.spec).toMatchObject({ priorityClassName: `${ns}-low`, priority: 100 });
        }
      }
      const publicPods = await scheduled("public-api", 3);
      const publicNodes = publicPods.map((p) => p.spec.nodeName);
      expect(publicNodes).not.toContain(node);
      expect(new Set(publicNodes).size).toBe(3);
      expect(publicPods.every((p) => p.spec.priority === 1000)).toBe(true);
      const [apm] = await scheduled("wk-apm", 1);
      expect(apm?.spec.nodeName).toBe("kwok-node-0");
      expect(apm?.spec.priorityClassName).toBe(`${ns}-low`);

      const deployment = await getJson<{
        spec: { template: { spec: { topologySpreadConstraints: Record<string, unknown>[] } } };
      }>(["-n", ns, "get", "deployment", `${NAME}-public-api`]);
      expect(deployment.spec.template.spec.topologySpreadConstraints[0]).toMatchObject({
        nodeTaintsPolicy: "Honor",
        labelSelector: { matchLabels: { "app.kubernetes.io/component": "public-api" } },
      });
    },
  );

  it.skipIf(IN_CLUSTER)(
    "a pass-through field the API server does not know is refused: Reconciled=False/InvalidSpec",
    async () => {
      const typo = {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpresions: [{ key: "a", operator: "Exists" }] }],
        },
      };
      await patch({
        spec: { workers: { background: { scheduling: { affinity: { nodeAffinity: typo } } } } },
      });
      const c = await waitForCondition(ns, NAME, "Reconciled", { status: "False" }, 30_000);
      expect(c.reason).toBe("InvalidSpec");
      expect(c.message).toContain("matchExpresions");
      await patch({ spec: { workers: { background: { scheduling: null } } } });
      await waitForCondition(ns, NAME, "Reconciled", { status: "True" }, 30_000);
    },
  );

  it.skipIf(IN_CLUSTER)("a PodDisruptionBudget per API with replicas > 1, gone at one replica", async () => {
    await waitFor("both budgets", async () => ((await pdbNames()).length === 2 ? true : undefined));
    const budgets = (await getJson<List<PdbJson>>(["-n", ns, "get", "poddisruptionbudgets"])).items;
    const byName = Object.fromEntries(budgets.map((p) => [p.metadata.name, p]));
    expect(byName[`${NAME}-public-api`]?.spec.maxUnavailable).toBe(1);
    expect(byName[`${NAME}-private-api`]?.spec.maxUnavailable).toBe("50%");
    expect(byName[`${NAME}-public-api`]?.spec.selector.matchLabels).toMatchObject({
      "app.kubernetes.io/instance": NAME,
      "app.kubernetes.io/component": "public-api",
    });
    expect(byName[`${NAME}-public-api`]?.metadata.ownerReferences?.[0]).toMatchObject({
      kind: "Tracardi",
      controller: true,
    });

    await patch({ spec: { api: { public: { replicas: 1 } } } });
    await waitFor("public budget deleted", async () =>
      (await pdbNames()).join() === `${NAME}-private-api` ? true : undefined,
    );
    await patch({ spec: { api: { private: { podDisruptionBudget: { enabled: false } } } } });
    await waitFor("private budget deleted", async () => ((await pdbNames()).length === 0 ? true : undefined));

    // Someone deletes a budget the operator keeps: it comes back.
    await patch({ spec: { api: { public: { replicas: 2 } } } });
    await waitFor("public budget back", async () =>
      (await pdbNames()).join() === `${NAME}-public-api` ? true : undefined,
    );
    await kubectl(["-n", ns, "delete", "poddisruptionbudget", `${NAME}-public-api`]);
    await waitFor("public budget recreated", async () =>
      (await pdbNames()).join() === `${NAME}-public-api` ? true : undefined,
    );
    expect(operator?.logs.join("")).not.toMatch(/forbidden/i);
  });
});
