import type { V1PodDisruptionBudget } from "@kubernetes/client-node";
import { type ApiRole, apiComponentName } from "../../api/components.js";
import type { Tracardi } from "../../api/types.js";
import { childName, componentLabels, selectorLabels } from "./labels.js";
import { controllerRef } from "./owner.js";

/** Whether the API gets a PodDisruptionBudget: only a budget over several replicas protects anything. */
export function needsDisruptionBudget(owner: Tracardi, role: ApiRole): boolean {
  const api = owner.spec.api[role];
  // Under an autoscaler the replicas change on their own: keep the budget whenever it may scale past one.
  const most =
    role === "public" && owner.spec.api.public.autoscaling.enabled
      ? owner.spec.api.public.autoscaling.maxReplicas
      : api.replicas;
  return api.podDisruptionBudget.enabled && most > 1;
}

/** PodDisruptionBudget <name>-<role>-api over the API's pods (maxUnavailable, so it follows scaling). */
export function apiDisruptionBudget(owner: Tracardi, role: ApiRole): V1PodDisruptionBudget {
  const instance = owner.metadata.name;
  const component = apiComponentName(role);
  return {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: {
      name: childName(instance, component),
      namespace: owner.metadata.namespace,
      labels: componentLabels(instance, component),
      ownerReferences: [controllerRef(owner)],
    },
    spec: {
      maxUnavailable: owner.spec.api[role].podDisruptionBudget.maxUnavailable,
      selector: { matchLabels: selectorLabels(instance, component) },
    },
  };
}
