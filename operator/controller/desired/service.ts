import type { V1Service } from "@kubernetes/client-node";
import { type ApiRole, apiComponentName, type ComponentName } from "../../api/components.js";
import type { ServiceSpec, Tracardi } from "../../api/types.js";
import { childName, componentLabels, selectorLabels } from "./labels.js";
import { controllerRef } from "./owner.js";

export function apiService(owner: Tracardi, role: ApiRole): V1Service {
  return service(owner, apiComponentName(role), owner.spec.api[role].service);
}

/** `<name>-fe-rj-gui`, in front of the console. */
export function guiService(owner: Tracardi): V1Service {
  return service(owner, "fe-rj-gui", owner.spec.gui.service);
}

function service(owner: Tracardi, component: ComponentName, svc: ServiceSpec): V1Service {
  const instance = owner.metadata.name;
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
