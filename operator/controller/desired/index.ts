import type {
  V1ConfigMap,
  V1Deployment,
  V1PodDisruptionBudget,
  V1Service,
  V2HorizontalPodAutoscaler,
} from "@kubernetes/client-node";
import { API_ROLES, apiComponentName, type ComponentName } from "../../api/components.js";
import type { Tracardi } from "../../api/types.js";
import { planComponents } from "./component.js";
import { configHash, configMap, licenseHash, type OperatorSettings, runtimeConfig } from "./config.js";
import { deployment } from "./deployment.js";
import { autoscaledByHpa, publicApiAutoscaler } from "./hpa.js";
import { apiDisruptionBudget, needsDisruptionBudget } from "./pdb.js";
import { apiService } from "./service.js";

export interface DesiredState {
  configMap: V1ConfigMap;
  services: V1Service[];
  deployments: V1Deployment[];
  /** Components whose Deployment must not exist. */
  disabled: ComponentName[];
  disruptionBudgets: V1PodDisruptionBudget[];
  /** APIs whose PodDisruptionBudget must not exist (one replica, or turned off). */
  withoutDisruptionBudget: ComponentName[];
  /** HorizontalPodAutoscalers the operator owns (api.public.autoscaling). */
  autoscalers: V2HorizontalPodAutoscaler[];
  /** Components whose HorizontalPodAutoscaler must not exist. */
  withoutAutoscaler: ComponentName[];
}

/** What the reconciler read besides the Tracardi: the licence key, when its Secret holds one. */
export interface Observed {
  licenseKey?: string;
}

export function desiredState(
  owner: Tracardi,
  settings: OperatorSettings,
  observed: Observed = {},
): DesiredState {
  const data = runtimeConfig(owner.spec, settings);
  const hashes = {
    config: configHash(data),
    ...(observed.licenseKey ? { license: licenseHash(observed.licenseKey) } : {}),
  };
  const plans = planComponents(owner.spec);
  return {
    configMap: configMap(owner, data),
    services: [apiService(owner, "public"), apiService(owner, "private")],
    deployments: plans.filter((p) => p.enabled).map((p) => deployment(owner, p, hashes)),
    disabled: plans.filter((p) => !p.enabled).map((p) => p.info.name),
    disruptionBudgets: API_ROLES.filter((r) => needsDisruptionBudget(owner, r)).map((r) =>
      apiDisruptionBudget(owner, r),
    ),
    withoutDisruptionBudget: API_ROLES.filter((r) => !needsDisruptionBudget(owner, r)).map(apiComponentName),
    autoscalers: [publicApiAutoscaler(owner)].filter((h) => h !== null),
    withoutAutoscaler: autoscaledByHpa(owner.spec, "public-api") ? [] : ["public-api"],
  };
}

export {
  adminTokenRef,
  generatedAdminTokenName,
  generatedAdminTokenSecret,
  newAdminToken,
} from "./admin-token.js";
export { enabledComponents, planComponents } from "./component.js";
export type { OperatorSettings } from "./config.js";
export { autoscaledByHpa } from "./hpa.js";
export * from "./labels.js";
