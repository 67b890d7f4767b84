import type { V1Service } from "@kubernetes/client-node";
import { type ApiRole, apiComponentName } from "../../api/components.js";
import type { Tracardi } from "../../api/types.js";
import { childName, componentLabels, selectorLabels } from "./labels.js";
import { controllerRef } from "./owner.js";

export function apiService(owner: Tracardi, role: ApiRole): V1Service {
  const instance = owner.metadata.name;
  const component = apiComponentName(role);
  const svc = owner.spec.api[role].service;
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name: childName(instance, component),
      namespace: owner.metadata.namespace,
      labels: componentLabels(instance, component),
      ownerReferences: [controllerRef(owner)],
    },
    spec: {
      type: svc.type,
      selector: selectorLabels(instance, component),
      ports: [{ name: "http", port: svc.port, targetPort: "http", protocol: "TCP" }],
    },
  };
}
