import type { V2HorizontalPodAutoscaler } from "@kubernetes/client-node";
import type { ComponentName } from "../../api/components.js";
import type { Tracardi, TracardiSpec } from "../../api/types.js";
import { childName, componentLabels } from "./labels.js";
import { controllerRef } from "./owner.js";

/**
 * `api.public.autoscaling`: a HorizontalPodAutoscaler (autoscaling/v2, CPU) owned by the operator
 * for the public-api Deployment, whose replicas the operator then leaves alone (its plan is
 * `autoscaled`: the Deployment is applied without spec.replicas, after the handover in reconcile.ts).
 */

/** Components whose Deployment replicas an autoscaler sets, not the operator. */
export function autoscaledByHpa(spec: TracardiSpec, component: ComponentName): boolean {
  return component === "public-api" && spec.api.public.autoscaling.enabled;
}

export function publicApiAutoscaler(owner: Tracardi): V2HorizontalPodAutoscaler | null {
  const autoscaling = owner.spec.api.public.autoscaling;
  if (!autoscaling.enabled) return null;
  const instance = owner.metadata.name;
  const name = childName(instance, "public-api");
  return {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: {
      name,
      namespace: owner.metadata.namespace,
      labels: componentLabels(instance, "public-api"),
      ownerReferences: [controllerRef(owner)],
    },
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name },
      minReplicas: autoscaling.minReplicas,
      maxReplicas: autoscaling.maxReplicas,
      metrics: [
        {
          type: "Resource",
          resource: {
            name: "cpu",
            target: { type: "Utilization", averageUtilization: autoscaling.targetCPUUtilizationPercentage },
          },
        },
      ],
    },
  };
}
