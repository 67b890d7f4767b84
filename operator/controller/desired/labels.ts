import type { ComponentName } from "../../api/components.js";

export const FIELD_MANAGER = "tracardi-operator";
/**
 * Owns spec.replicas of autoscaled worker Deployments. A manager of its own, so that the main apply
 * can leave the field out without the API server removing it (and so resetting replicas to 1).
 */
export const AUTOSCALER_FIELD_MANAGER = "tracardi-operator-autoscaler";
export const MANAGED_BY = "tracardi-operator";
export const LABEL_NAME = "app.kubernetes.io/name";
export const LABEL_INSTANCE = "app.kubernetes.io/instance";
export const LABEL_COMPONENT = "app.kubernetes.io/component";
export const LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";
export const CONFIG_HASH_ANNOTATION = "tracardi.io/config-hash";
/** A hash of the licence key: the runtime reads TRACARDI_LICENSE once, so a renewed key rolls the pods. */
export const LICENSE_HASH_ANNOTATION = "tracardi.io/license-hash";

export function instanceLabels(instance: string): Record<string, string> {
  return { [LABEL_NAME]: "tracardi", [LABEL_INSTANCE]: instance, [LABEL_MANAGED_BY]: MANAGED_BY };
}

/** The immutable Deployment selector: never add to it. */
export function selectorLabels(instance: string, component: ComponentName): Record<string, string> {
  return { [LABEL_NAME]: "tracardi", [LABEL_INSTANCE]: instance, [LABEL_COMPONENT]: component };
}

export function componentLabels(instance: string, component: ComponentName): Record<string, string> {
  return { ...instanceLabels(instance), [LABEL_COMPONENT]: component };
}

/** Selects every child of one Tracardi (for listing what to observe or clean up). */
export function instanceSelector(instance: string): string {
  return `${LABEL_NAME}=tracardi,${LABEL_INSTANCE}=${instance}`;
}

export function childName(instance: string, component: ComponentName): string {
  return `${instance}-${component}`;
}

export function configMapName(instance: string): string {
  return `${instance}-config`;
}
