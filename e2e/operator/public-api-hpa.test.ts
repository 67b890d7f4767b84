// api.public.autoscaling on the local cluster: the operator owns a real autoscaling/v2
// HorizontalPodAutoscaler for the public-api Deployment and leaves that Deployment's replicas to it
// (and to anyone else who scales it), also when it applies the Deployment again; turning autoscaling
// off deletes the HPA and gives the replicas back to spec.api.public.replicas.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  applyJson,
  createNamespace,
  deleteNamespace,
  ensureCrd,
  getJson,
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
} from "./helpers.js";

const NAME = "hpa";
const DEPLOYMENT = `${NAME}-public-api`;
let ns = "";
let operator: OperatorProcess;
const kit = licenseKit();

interface HpaJson {
  metadata: { ownerReferences?: { kind: string; name: string; controller?: boolean }[] };
  spec: {
    scaleTargetRef: { apiVersion: string; kind: string; name: string };
    minReplicas: number;
    maxReplicas: number;
    metrics: {
      type: string;
      resource?: { name: string; target: { type: string; averageUtilization?: number } };
    }[];
  };
}
interface DeploymentJson {
  metadata: {
    generation: number;
    managedFields?: { manager: string; fieldsV1?: { "f:spec"?: Record<string, unknown> } }[];
  };
  spec: { replicas: number; template: { metadata: { labels: Record<string, string> } } };
}

const spec = (autoscaling: Record<string, unknown>, podLabels: Record<string, string> = {}) =>
  sampleSpec({ api: { public: { replicas: 1, podLabels, autoscaling } } });
const deployment = () =>
  getJson<DeploymentJson>(["-n", ns, "get", "deployment", DEPLOYMENT, "--show-managed-fields"]);
const ownsReplicas = (d: DeploymentJson, manager: string) =>
  (d.metadata.managedFields ?? []).some(
    (f) => f.manager === manager && f.fieldsV1?.["f:spec"]?.["f:replicas"] !== undefined,
  );

beforeAll(async () => {
  await ensureCrd();
  ns = await createNamespace("e2e-op-hpa");
  await putLicenseSecret(ns, kit.key(365));
  operator = startOperator({ namespace: ns, publicKey: kit.publicKey });
});

afterAll(async () => {
  await operator?.stop();
  if (ns) await deleteNamespace(ns);
});

describe("api.public.autoscaling", () => {
  it("creates an autoscaling/v2 HorizontalPodAutoscaler with the spec's target, owned by the Tracardi", async () => {
    await applyJson(
      tracardiObject(
        ns,
        NAME,
        spec({ enabled: true, minReplicas: 2, maxReplicas: 5, targetCPUUtilizationPercentage: 60 }),
      ),
      ns,
    );
    const hpa = await waitFor("the HPA", async () =>
      (await kubectlRaw(["-n", ns, "get", "hpa", DEPLOYMENT])).code === 0
        ? getJson<HpaJson>(["-n", ns, "get", "horizontalpodautoscalers.v2.autoscaling", DEPLOYMENT])
        : undefined,
    );
    expect(hpa.spec).toEqual({
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: DEPLOYMENT },
      minReplicas: 2,
      maxReplicas: 5,
      metrics: [
        {
          type: "Resource",
          resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 60 } },
        },
      ],
    });
    expect(hpa.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: "Tracardi", name: NAME, controller: true }),
    ]);
    // The HPA controller raises the Deployment to minReplicas (no metrics needed for the bounds).
    await waitFor(
      "the HPA scaled the Deployment to minReplicas",
      async () => (await deployment()).spec.replicas === 2,
    );
    const d = await deployment();
    expect(ownsReplicas(d, "tracardi-operator")).toBe(false);
  });

  it("leaves replicas set by someone else alone, also when it applies the Deployment again", async () => {
    await kubectl(["-n", ns, "scale", "deployment", DEPLOYMENT, "--replicas=4"]);
    // A spec change makes the operator apply the Deployment again (a new pod label).
    await applyJson(
      tracardiObject(
        ns,
        NAME,
        spec(
          { enabled: true, minReplicas: 2, maxReplicas: 5, targetCPUUtilizationPercentage: 60 },
          { rollout: "two" },
        ),
      ),
      ns,
    );
    const d = await waitFor("the operator applied the Deployment again", async () => {
      const live = await deployment();
      return live.spec.template.metadata.labels.rollout === "two" ? live : undefined;
    });
    expect(d.spec.replicas).toBe(4);
    expect(ownsReplicas(d, "tracardi-operator")).toBe(false);
    // The status reports what the autoscaler asked for.
    await waitFor("status desired 4", async () => {
      const t = await tracardi(ns, NAME);
      return t.status?.components?.find((c) => c.name === "public-api")?.desired === 4 || undefined;
    });
    // A resync later, still 4.
    await new Promise((r) => setTimeout(r, 2_000));
    expect((await deployment()).spec.replicas).toBe(4);
  });

  it("deletes the HPA when autoscaling is turned off and applies spec.api.public.replicas again", async () => {
    await applyJson(tracardiObject(ns, NAME, spec({ enabled: false }, { rollout: "two" })), ns);
    await waitFor(
      "the HPA deleted",
      async () => (await kubectlRaw(["-n", ns, "get", "hpa", DEPLOYMENT])).code !== 0,
    );
    await waitFor("replicas back to 1", async () => (await deployment()).spec.replicas === 1);
    expect(ownsReplicas(await deployment(), "tracardi-operator")).toBe(true);
  });
});
