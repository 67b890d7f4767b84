import type { V1Deployment, V1ResourceRequirements } from "@kubernetes/client-node";
import type { Resources, Tracardi } from "../../api/types.js";
import type { ComponentPlan } from "./component.js";
import { DATA_DIR } from "./config.js";
import { guiEnv, secretEnv } from "./env.js";
import {
  CONFIG_HASH_ANNOTATION,
  childName,
  componentLabels,
  configMapName,
  LICENSE_HASH_ANNOTATION,
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

/** What the pod template carries so that a change to it rolls the pods. */
export interface TemplateHashes {
  config: string;
  /** Of the licence key, when the Secret was read (absent: the Secret or its key is missing). */
  license?: string;
}

export function deployment(owner: Tracardi, plan: ComponentPlan, hashes: TemplateHashes): V1Deployment {
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
  // The console's /healthz also checks that it reaches the private API: it decides readiness only, so
  // a private API that is down takes the console out of its Service without restarting it.
  const listening = (periodSeconds: number, failureThreshold: number) => ({
    tcpSocket: { port: plan.port.name },
    periodSeconds,
    failureThreshold,
    timeoutSeconds: 2,
  });
  const probes = plan.runtime
    ? {
        startupProbe: probe("/healthz", 2, 30),
        livenessProbe: probe("/healthz", 10, 3),
        readinessProbe: probe("/readyz", 5, 3),
      }
    : {
        startupProbe: listening(2, 30),
        livenessProbe: listening(10, 3),
        readinessProbe: probe("/healthz", 5, 3),
      };
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
          annotations: {
            ...(spec.podAnnotations ?? {}),
            [CONFIG_HASH_ANNOTATION]: hashes.config,
            ...(hashes.license ? { [LICENSE_HASH_ANNOTATION]: hashes.license } : {}),
          },
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
              // A container that dies before writing /dev/termination-log (the runtime never does)
              // gets its last log lines as the termination message: ComponentsHealthy quotes them.
              terminationMessagePolicy: "FallbackToLogsOnError",
              args: plan.args,
              ...(plan.runtime
                ? {
                    envFrom: [{ configMapRef: { name: configMapName(instance) } }],
                    env: secretEnv(owner, component),
                  }
                : { env: guiEnv(owner) }),
              ports: [{ name: plan.port.name, containerPort: plan.port.containerPort, protocol: "TCP" }],
              ...probes,
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
