import type { V1ContainerStatus, V1Deployment, V1Pod, V1PodCondition } from "@kubernetes/client-node";
import type { ComponentName } from "../api/components.js";

/** Pod fixtures shaped like what kubelet (or kwok's stages) report. */
export function pod(
  component: ComponentName,
  name: string,
  containerStatus: Partial<V1ContainerStatus> | undefined,
  options: { memoryLimit?: string; conditions?: V1PodCondition[]; phase?: string; uid?: string } = {},
): V1Pod {
  return {
    metadata: {
      name,
      uid: options.uid ?? `uid-${name}`,
      labels: { "app.kubernetes.io/instance": "demo", "app.kubernetes.io/component": component },
    },
    spec: {
      containers: [
        {
          name: component,
          image: "tracardi/tracardi-ts:1.1.0",
          resources: { limits: { memory: options.memoryLimit ?? "2500Mi" } },
        },
      ],
    },
    status: {
      phase: options.phase ?? "Running",
      conditions: options.conditions ?? [],
      containerStatuses: containerStatus
        ? [
            {
              name: component,
              image: "tracardi/tracardi-ts:1.1.0",
              imageID: "",
              ready: false,
              restartCount: 0,
              ...containerStatus,
            },
          ]
        : [],
    },
  };
}

export const running = (): Partial<V1ContainerStatus> => ({
  ready: true,
  state: { running: { startedAt: new Date("2026-06-01T11:00:00Z") } },
});

export const oomInState = (): Partial<V1ContainerStatus> => ({
  ready: false,
  restartCount: 0,
  state: {
    terminated: {
      exitCode: 137,
      reason: "OOMKilled",
      startedAt: new Date("2026-06-01T11:58:00Z"),
      finishedAt: new Date("2026-06-01T11:59:00Z"),
    },
  },
});

export const oomInLastState = (restartCount = 3): Partial<V1ContainerStatus> => ({
  ready: false,
  restartCount,
  state: { waiting: { reason: "CrashLoopBackOff", message: "back-off 40s restarting failed container" } },
  lastState: {
    terminated: {
      exitCode: 137,
      reason: "OOMKilled",
      startedAt: new Date("2026-06-01T11:58:30Z"),
      finishedAt: new Date("2026-06-01T11:59:30Z"),
    },
  },
});

export const crashLoop = (): Partial<V1ContainerStatus> => ({
  ready: false,
  restartCount: 7,
  state: { waiting: { reason: "CrashLoopBackOff", message: "back-off 5m0s restarting failed container" } },
  lastState: {
    terminated: {
      exitCode: 1,
      reason: "Error",
      message: "Error: connect ECONNREFUSED 10.0.0.5:3306\n",
      startedAt: new Date("2026-06-01T11:50:00Z"),
      finishedAt: new Date("2026-06-01T11:50:02Z"),
    },
  },
});

export const pullError = (): Partial<V1ContainerStatus> => ({
  ready: false,
  state: {
    waiting: { reason: "ImagePullBackOff", message: 'Back-off pulling image "tracardi/tracardi-ts:nope"' },
  },
});

export const unschedulable: V1PodCondition[] = [
  {
    type: "PodScheduled",
    status: "False",
    reason: "Unschedulable",
    message: "0/3 nodes are available: 3 Insufficient memory.",
  },
];

export function deploymentStatus(desired: number, ready: number, updated = desired): V1Deployment {
  return {
    spec: { replicas: desired, selector: {}, template: {} },
    status: { readyReplicas: ready, updatedReplicas: updated },
  };
}
