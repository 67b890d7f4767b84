import type { V1ContainerStatus, V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { unreadyPods } from "./observe.js";

type ContainerState = Pick<V1ContainerStatus, "started" | "ready" | "state">;

function pod(name: string, phase: string, status: ContainerState, deleted = false): V1Pod {
  return {
    metadata: { name, ...(deleted ? { deletionTimestamp: new Date() } : {}) },
    status: {
      phase,
      containerStatuses: [{ name: "c", image: "i", imageID: "", restartCount: 0, ...status }],
    },
  };
}

describe("unreadyPods", () => {
  it("keeps running pods whose started container fails readiness, nothing else", () => {
    const running = { running: { startedAt: new Date() } };
    const pods = [
      pod("probe-fails", "Running", { started: true, ready: false, state: running }),
      pod("ready", "Running", { started: true, ready: true, state: running }),
      pod("pending", "Pending", {
        started: false,
        ready: false,
        state: { waiting: { reason: "ContainerCreating" } },
      }),
      pod("crashloop", "Running", {
        started: false,
        ready: false,
        state: { waiting: { reason: "CrashLoopBackOff" } },
      }),
      pod("going", "Running", { started: true, ready: false, state: running }, true),
    ];
    expect(unreadyPods(pods).map((p) => p.metadata?.name)).toEqual(["probe-fails"]);
  });
});
