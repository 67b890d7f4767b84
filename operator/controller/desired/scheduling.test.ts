import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { openAPIV3Schema, type Schema } from "../../api/schema.js";
import type { Tracardi, TracardiSpec } from "../../api/types.js";
import { applyDefaults } from "../../testing/defaulting.js";
import { sampleTracardi } from "../../testing/fixtures.js";
import { desiredState } from "./index.js";
import { resolveScheduling } from "./scheduling.js";

const ROOT = join(import.meta.dirname, "../../..");

/** manifests/samples/tracardi_full.yaml as the API server stores it (defaults applied). */
function fullSample(): Tracardi {
  const doc = parse(readFileSync(join(ROOT, "manifests/samples/tracardi_full.yaml"), "utf8"));
  const spec = applyDefaults(openAPIV3Schema.properties?.spec as Schema, doc.spec) as TracardiSpec;
  return {
    apiVersion: "tracardi.io/v1alpha1",
    kind: "Tracardi",
    metadata: { name: doc.metadata.name, namespace: "shop", uid: "uid-full", generation: 1 },
    spec,
  };
}

const podSpec = (d: ReturnType<typeof desiredState>, name: string) =>
  d.deployments.find((x) => x.metadata?.name === name)?.spec?.template.spec;

describe("scheduling", () => {
  it("a component's field replaces the global one whole; unset fields inherit; [] clears", () => {
    const global = {
      nodeSelector: { pool: "data", "kubernetes.io/os": "linux" },
      tolerations: [{ key: "a", operator: "Exists" as const }],
      priorityClassName: "low",
    };
    expect(
      resolveScheduling(global, {
        nodeSelector: { pool: "edge" },
        tolerations: [],
        priorityClassName: "",
      }),
    ).toEqual({ nodeSelector: { pool: "edge" }, tolerations: [], priorityClassName: "" });
    expect(resolveScheduling(global, { tolerations: [{ key: "b" }] })).toEqual({
      nodeSelector: global.nodeSelector,
      tolerations: [{ key: "b" }],
      priorityClassName: "low",
    });
    expect(resolveScheduling(undefined, undefined)).toEqual({});
  });

  it("puts global and per-component scheduling on the pod templates", () => {
    const d = desiredState(
      sampleTracardi((s) => {
        s.scheduling = {
          nodeSelector: { pool: "data" },
          tolerations: [{ key: "dedicated", operator: "Equal", value: "data", effect: "NoSchedule" }],
          priorityClassName: "tracardi",
        };
        s.api.public.scheduling = { nodeSelector: { pool: "edge" }, tolerations: [] };
        s.workers.apm.scheduling = { priorityClassName: "" };
      }),
      {},
    );
    expect(podSpec(d, "demo-private-api")).toMatchObject({
      nodeSelector: { pool: "data" },
      tolerations: [{ key: "dedicated", operator: "Equal", value: "data", effect: "NoSchedule" }],
      priorityClassName: "tracardi",
    });
    const pub = podSpec(d, "demo-public-api");
    expect(pub?.nodeSelector).toEqual({ pool: "edge" });
    expect(pub?.tolerations).toBeUndefined();
    expect(pub?.priorityClassName).toBe("tracardi");
    expect(podSpec(d, "demo-wk-apm")?.priorityClassName).toBeUndefined();
    expect(podSpec(d, "demo-wk-apm")?.nodeSelector).toEqual({ pool: "data" });
  });

  it("without scheduling the pod spec has none of the fields", () => {
    const pub = podSpec(desiredState(sampleTracardi(), {}), "demo-public-api") ?? {};
    for (const field of [
      "nodeSelector",
      "tolerations",
      "affinity",
      "topologySpreadConstraints",
      "priorityClassName",
    ])
      expect(Object.keys(pub)).not.toContain(field);
  });

  it("a spread constraint without labelSelector counts the component's own pods", () => {
    const d = desiredState(
      sampleTracardi((s) => {
        s.scheduling = {
          topologySpreadConstraints: [
            { maxSkew: 1, topologyKey: "zone", whenUnsatisfiable: "ScheduleAnyway", minDomains: 2 },
            {
              maxSkew: 2,
              topologyKey: "host",
              whenUnsatisfiable: "DoNotSchedule",
              labelSelector: { matchLabels: { team: "data" } },
            },
          ],
        };
      }),
      {},
    );
    expect(podSpec(d, "demo-wk-apm")?.topologySpreadConstraints).toEqual([
      {
        maxSkew: 1,
        topologyKey: "zone",
        whenUnsatisfiable: "ScheduleAnyway",
        minDomains: 2,
        labelSelector: {
          matchLabels: {
            "app.kubernetes.io/name": "tracardi",
            "app.kubernetes.io/instance": "demo",
            "app.kubernetes.io/component": "wk-apm",
          },
        },
      },
      {
        maxSkew: 2,
        topologyKey: "host",
        whenUnsatisfiable: "DoNotSchedule",
        labelSelector: { matchLabels: { team: "data" } },
      },
    ]);
  });
});

describe("PodDisruptionBudgets", () => {
  it("none with the default single replicas", () => {
    const d = desiredState(sampleTracardi(), {});
    expect(d.disruptionBudgets).toEqual([]);
    expect(d.withoutDisruptionBudget).toEqual(["public-api", "private-api"]);
  });

  it("one per API with more than one replica, maxUnavailable from the spec, selecting the API's pods", () => {
    const d = desiredState(
      sampleTracardi((s) => {
        s.api.public.replicas = 2;
        s.api.private.replicas = 3;
        s.api.private.podDisruptionBudget.maxUnavailable = "50%";
      }),
      {},
    );
    expect(d.withoutDisruptionBudget).toEqual([]);
    expect(d.disruptionBudgets.map((p) => [p.metadata?.name, p.spec?.maxUnavailable])).toEqual([
      ["demo-public-api", 1],
      ["demo-private-api", "50%"],
    ]);
    const pub = d.disruptionBudgets[0];
    expect(pub?.spec?.selector?.matchLabels).toEqual(
      d.deployments[0]?.spec?.selector.matchLabels as Record<string, string>,
    );
    expect(pub?.spec?.minAvailable).toBeUndefined();
    expect(pub?.metadata?.ownerReferences?.[0]).toMatchObject({ kind: "Tracardi", controller: true });
    expect(pub?.metadata?.labels?.["app.kubernetes.io/managed-by"]).toBe("tracardi-operator");
  });

  it("none when turned off, however many replicas", () => {
    const d = desiredState(
      sampleTracardi((s) => {
        s.api.public.replicas = 4;
        s.api.public.podDisruptionBudget.enabled = false;
      }),
      {},
    );
    expect(d.disruptionBudgets).toEqual([]);
    expect(d.withoutDisruptionBudget).toEqual(["public-api", "private-api"]);
  });
});

describe("the full sample (manifests/samples/tracardi_full.yaml)", () => {
  it("renders every scheduling field and both budgets", () => {
    const d = desiredState(fullSample(), {});
    const pub = podSpec(d, "tracardi-full-public-api");
    expect(pub?.priorityClassName).toBe("tracardi-critical");
    expect(pub?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution).toHaveLength(1);
    expect(pub?.nodeSelector).toEqual({ "kubernetes.io/os": "linux", pool: "data" });
    expect(podSpec(d, "tracardi-full-wk-pl-collector")?.tolerations).toEqual([
      { key: "dedicated", operator: "Exists" },
    ]);
    expect(podSpec(d, "tracardi-full-wk-pl-background")?.tolerations?.[0]?.value).toBe("data");
    expect(d.disruptionBudgets.map((p) => p.spec?.maxUnavailable)).toEqual([1, "50%"]);
  });

  it("renders the same Deployments and budgets as last reviewed (snapshot)", () => {
    const d = desiredState(fullSample(), {});
    const pick = (name: string) => d.deployments.find((x) => x.metadata?.name === name);
    expect({
      publicApi: pick("tracardi-full-public-api"),
      collector: pick("tracardi-full-wk-pl-collector"),
      disruptionBudgets: d.disruptionBudgets,
    }).toMatchSnapshot();
  });
});
