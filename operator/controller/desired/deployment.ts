import type { V1Deployment, V1ResourceRequirements } from "@kubernetes/client-node";
import type { Resources, Tracardi } from "../../api/types.js";
import type { ComponentPlan } from "./component.js";
import { DATA_DIR } from "./config.js";
import { secretEnv } from "./env.js";
import {
  CONFIG_HASH_ANNOTATION,
  childName,
  componentLabels,
  configMapName,
  selectorLabels,
} from "./labels.js";
import { controllerRef } from "./owner.js";
import { podScheduling } from "./scheduling.js";

const RUN_AS = 10001;

function toRequirements(resources: Resources): V1ResourceRequirements {
  const list = (r: Resources["limits"]) =>
    r ? Object.fromEntries(Object.entries(r).map(([k, v]) => [k, String(v)])) : undefined;
  const out: V1ResourceRequirements = {};
  const requests = list(resources.requests);
  const limits = list(resources.limits);
  if (requests) out.requests = requests;
  if (limits) out.limits = limits;
  return out;
}

export function deployment(owner: Tracardi, plan: ComponentPlan, configHash: string): V1Deployment {
  const instance = owner.metadata.name;
  const spec = owner.spec;
  const component = plan.info.name;
  const selector = selectorLabels(instance, component);
  const podLabels = {
    ...(spec.podLabels ?? {}),
    ...plan.podLabels,
    ...componentLabels(instance, component),
  };
  const probe = (path: string, periodSeconds: number, failureThreshold: number) => ({
    httpGet: { path, port: plan.port.name },
    periodSeconds,
    failureThreshold,
    timeoutSeconds: 2,
  });
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: childName(instance, component),
      namespace: owner.metadata.namespace,
      labels: componentLabels(instance, component),
      ownerReferences: [controllerRef(owner)],
    },
    spec: {
      // Left out while autoscaled: the autoscaler's field manager owns it then (see AUTOSCALER_FIELD_MANAGER).
      ...(plan.autoscaled ? {} : { replicas: plan.replicas }),
      revisionHistoryLimit: 3,
      selector: { matchLabels: selector },
      template: {
        metadata: {
          labels: podLabels,
          annotations: { ...(spec.podAnnotations ?? {}), [CONFIG_HASH_ANNOTATION]: configHash },
        },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          imagePullSecrets: spec.imagePullSecrets,
          ...podScheduling(plan.scheduling, selector),
          securityContext: {
            runAsNonRoot: true,
            runAsUser: RUN_AS,
            runAsGroup: RUN_AS,
            fsGroup: RUN_AS,
            seccompProfile: { type: "RuntimeDefault" },
          },
          containers: [
            {
              name: component,
              image: spec.image,
              imagePullPolicy: spec.imagePullPolicy,
              args: plan.args,
              envFrom: [{ configMapRef: { name: configMapName(instance) } }],
              env: secretEnv(owner, component),
              ports: [{ name: plan.port.name, containerPort: plan.port.containerPort, protocol: "TCP" }],
              startupProbe: probe("/healthz", 2, 30),
              livenessProbe: probe("/healthz", 10, 3),
              readinessProbe: probe("/readyz", 5, 3),
              resources: toRequirements(plan.resources),
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ["ALL"] },
              },
              volumeMounts: [
                { name: "tmp", mountPath: "/tmp" },
                { name: "data", mountPath: DATA_DIR },
              ],
            },
          ],
          volumes: [
            { name: "tmp", emptyDir: {} },
            { name: "data", emptyDir: {} },
          ],
        },
      },
    },
  };
}
