import type { V1ConfigMap, V1Deployment, V1Service } from "@kubernetes/client-node";
import type { ComponentName } from "../../api/components.js";
import type { Tracardi } from "../../api/types.js";
import { planComponents } from "./component.js";
import { configHash, configMap, type OperatorSettings, runtimeConfig } from "./config.js";
import { deployment } from "./deployment.js";
import { apiService } from "./service.js";

export interface DesiredState {
  configMap: V1ConfigMap;
  services: V1Service[];
  deployments: V1Deployment[];
  /** Components whose Deployment must not exist. */
  disabled: ComponentName[];
}

export function desiredState(owner: Tracardi, settings: OperatorSettings): DesiredState {
  const data = runtimeConfig(owner.spec, settings);
  const hash = configHash(data);
  const plans = planComponents(owner.spec);
  return {
    configMap: configMap(owner, data),
    services: [apiService(owner, "public"), apiService(owner, "private")],
    deployments: plans.filter((p) => p.enabled).map((p) => deployment(owner, p, hash)),
    disabled: plans.filter((p) => !p.enabled).map((p) => p.info.name),
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
export * from "./labels.js";
