/** Where a kind lives in the REST API. */
export interface ResourceRef {
  /** "" for the core group. */
  group: string;
  version: string;
  plural: string;
  kind: string;
}

export const RESOURCES = {
  tracardi: { group: "tracardi.io", version: "v1alpha1", plural: "tracardis", kind: "Tracardi" },
  deployment: { group: "apps", version: "v1", plural: "deployments", kind: "Deployment" },
  pod: { group: "", version: "v1", plural: "pods", kind: "Pod" },
  service: { group: "", version: "v1", plural: "services", kind: "Service" },
  configMap: { group: "", version: "v1", plural: "configmaps", kind: "ConfigMap" },
  podDisruptionBudget: {
    group: "policy",
    version: "v1",
    plural: "poddisruptionbudgets",
    kind: "PodDisruptionBudget",
  },
  horizontalPodAutoscaler: {
    group: "autoscaling",
    version: "v2",
    plural: "horizontalpodautoscalers",
    kind: "HorizontalPodAutoscaler",
  },
  secret: { group: "", version: "v1", plural: "secrets", kind: "Secret" },
  event: { group: "events.k8s.io", version: "v1", plural: "events", kind: "Event" },
  lease: { group: "coordination.k8s.io", version: "v1", plural: "leases", kind: "Lease" },
} as const satisfies Record<string, ResourceRef>;

export function resourcePath(
  ref: ResourceRef,
  namespace?: string,
  name?: string,
  subresource?: string,
): string {
  const base = ref.group === "" ? `/api/${ref.version}` : `/apis/${ref.group}/${ref.version}`;
  const ns = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : "";
  const tail = name ? `/${encodeURIComponent(name)}${subresource ? `/${subresource}` : ""}` : "";
  return `${base}${ns}/${ref.plural}${tail}`;
}

export function refForApiVersion(apiVersion: string, kind: string): ResourceRef {
  const found = Object.values(RESOURCES).find(
    (r) => (r.group === "" ? r.version : `${r.group}/${r.version}`) === apiVersion && r.kind === kind,
  );
  if (!found) throw new Error(`no resource mapping for ${apiVersion} ${kind}`);
  return found;
}
