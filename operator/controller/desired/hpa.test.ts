import { describe, expect, it } from "vitest";
import { sampleTracardi } from "../../testing/fixtures.js";
import { desiredState } from "./index.js";

const autoscaled = () =>
  sampleTracardi((spec) => {
    spec.api.public.replicas = 1;
    spec.api.public.autoscaling = {
      enabled: true,
      minReplicas: 2,
      maxReplicas: 6,
      targetCPUUtilizationPercentage: 70,
    };
  });

describe("api.public.autoscaling", () => {
  it("owns an autoscaling/v2 HorizontalPodAutoscaler on CPU for the public-api Deployment", () => {
    const d = desiredState(autoscaled(), {});
    expect(d.autoscalers).toEqual([
      {
        apiVersion: "autoscaling/v2",
        kind: "HorizontalPodAutoscaler",
        metadata: {
          name: "demo-public-api",
          namespace: "shop",
          labels: expect.objectContaining({
            "app.kubernetes.io/component": "public-api",
            "app.kubernetes.io/managed-by": "tracardi-operator",
          }),
          ownerReferences: [expect.objectContaining({ kind: "Tracardi", uid: "uid-1", controller: true })],
        },
        spec: {
          scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "demo-public-api" },
          minReplicas: 2,
          maxReplicas: 6,
          metrics: [
            {
              type: "Resource",
              resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } },
            },
          ],
        },
      },
    ]);
    expect(d.withoutAutoscaler).toEqual([]);
  });

  it("applies the public-api Deployment without replicas, every other one with them", () => {
    const d = desiredState(autoscaled(), {});
    const replicas = Object.fromEntries(d.deployments.map((x) => [x.metadata?.name, x.spec?.replicas]));
    expect(replicas).toEqual({
      "demo-public-api": undefined,
      "demo-private-api": 1,
      "demo-wk-pl-background": 1,
      "demo-wk-apm": 1,
    });
    expect(d.deployments[0]?.spec).not.toHaveProperty("replicas");
    expect(d.deployments[0]?.spec?.template.spec?.containers[0]?.args).toEqual(["api", "--role", "public"]);
  });

  it("keeps the public API's disruption budget while it may scale past one pod", () => {
    const d = desiredState(autoscaled(), {});
    expect(d.disruptionBudgets.map((b) => b.metadata?.name)).toEqual(["demo-public-api"]);
  });

  it("has no autoscaler when off (the default), and deletes one left from before", () => {
    const d = desiredState(sampleTracardi(), {});
    expect(d.autoscalers).toEqual([]);
    expect(d.withoutAutoscaler).toEqual(["public-api"]);
    expect(d.deployments[0]?.spec?.replicas).toBe(1);
  });
});
