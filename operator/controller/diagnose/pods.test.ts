import { describe, expect, it } from "vitest";
import {
  crashLoop,
  deploymentStatus,
  oomInLastState,
  oomInState,
  pod,
  pullError,
  running,
  unschedulable,
} from "../../testing/pods.js";
import { mergeOOMHistory, observeOOMKills } from "./oom.js";
import { type ComponentObservation, diagnosePods, lastLine } from "./pods.js";

const now = new Date("2026-06-01T12:00:00Z");

function healthy(name: ComponentObservation["name"]): ComponentObservation {
  return {
    name,
    desired: 1,
    deployment: deploymentStatus(1, 1),
    pods: [pod(name, `demo-${name}-a`, running())],
  };
}

function diagnose(observations: ComponentObservation[]) {
  const kills = mergeOOMHistory([], observeOOMKills(observations.flatMap((o) => o.pods)), now);
  return diagnosePods(observations, kills);
}

describe("diagnosePods", () => {
  it("is True/AllReady when every component is ready", () => {
    const d = diagnose([healthy("public-api"), healthy("wk-apm")]);
    expect(d.condition).toMatchObject({ type: "ComponentsHealthy", status: "True", reason: "AllReady" });
    expect(d.components).toEqual([
      { name: "public-api", desired: 1, ready: 1, restarts: 0, oomKillsLastHour: 0 },
      { name: "wk-apm", desired: 1, ready: 1, restarts: 0, oomKillsLastHour: 0 },
    ]);
  });

  it("reports OOMKilled from the current state, naming component, container, limit, count and spec field", () => {
    const bg: ComponentObservation = {
      name: "wk-pl-background",
      desired: 1,
      deployment: deploymentStatus(1, 0),
      pods: [pod("wk-pl-background", "demo-wk-pl-background-x", oomInState(), { memoryLimit: "512Mi" })],
    };
    const d = diagnose([healthy("public-api"), bg]);
    expect(d.condition.status).toBe("False");
    expect(d.condition.reason).toBe("OOMKilled");
    expect(d.condition.message).toBe(
      "wk-pl-background: container wk-pl-background in pod demo-wk-pl-background-x was OOMKilled (memory limit 512Mi), 1 time in the last hour; raise spec.workers.background.resources.limits.memory",
    );
    expect(d.components[1]?.lastOOMKill).toEqual({
      pod: "demo-wk-pl-background-x",
      container: "wk-pl-background",
      at: "2026-06-01T11:59:00Z",
      memoryLimit: "512Mi",
    });
    expect(d.components[1]?.oomKillsLastHour).toBe(1);
  });

  it("reports OOMKilled from lastState while the container backs off (OOM wins over CrashLoopBackOff)", () => {
    const api: ComponentObservation = {
      name: "public-api",
      desired: 1,
      deployment: deploymentStatus(1, 0),
      pods: [pod("public-api", "demo-public-api-y", oomInLastState(3), { memoryLimit: "300Mi" })],
    };
    const d = diagnose([api]);
    expect(d.condition.reason).toBe("OOMKilled");
    expect(d.condition.message).toContain("memory limit 300Mi");
    expect(d.condition.message).toContain("raise spec.api.public.resources.limits.memory");
    expect(d.components[0]?.restarts).toBe(3);
  });

  it("counts OOM kills across resyncs without double counting the same death", () => {
    const p1 = pod("wk-apm", "demo-wk-apm-z", oomInState(), { uid: "u1" });
    const h1 = mergeOOMHistory([], observeOOMKills([p1]), now);
    // kwok/kubelet: the same death moves from state to lastState when the container restarts.
    const p2 = pod("wk-apm", "demo-wk-apm-z", { ...oomInLastState(1) }, { uid: "u1" });
    const h2 = mergeOOMHistory(h1, observeOOMKills([p2]), now);
    expect(h2).toHaveLength(1);
    const p3 = pod("wk-apm", "demo-wk-apm-z", { ...oomInLastState(2) }, { uid: "u1" });
    const h3 = mergeOOMHistory(h2, observeOOMKills([p3]), now);
    expect(h3).toHaveLength(2);
    const obs: ComponentObservation = {
      name: "wk-apm",
      desired: 1,
      deployment: deploymentStatus(1, 0),
      pods: [p3],
    };
    expect(diagnosePods([obs], h3).condition.message).toContain("2 times in the last hour");
  });

  it("forgets OOM kills older than an hour", () => {
    const p = pod("wk-apm", "demo-wk-apm-z", oomInState());
    const later = new Date(now.getTime() + 2 * 3_600_000);
    expect(mergeOOMHistory(observeOOMKills([p]), [], later)).toEqual([]);
  });

  it("clears OOMKilled once the container runs ready again, keeping lastOOMKill in the component status", () => {
    const recovered = pod("wk-apm", "demo-wk-apm-z", {
      ...oomInLastState(1),
      ready: true,
      state: running().state,
    });
    const d = diagnose([
      { name: "wk-apm", desired: 1, deployment: deploymentStatus(1, 1), pods: [recovered] },
    ]);
    expect(d.condition.status).toBe("True");
    expect(d.components[0]?.oomKillsLastHour).toBe(1);
    expect(d.components[0]?.lastOOMKill?.container).toBe("wk-apm");
  });

  it("reports CrashLoopBackOff with restarts, exit code and termination message", () => {
    const d = diagnose([
      {
        name: "private-api",
        desired: 1,
        deployment: deploymentStatus(1, 0),
        pods: [pod("private-api", "demo-private-api-c", crashLoop())],
      },
    ]);
    expect(d.condition.reason).toBe("CrashLoopBackOff");
    expect(d.condition.message).toBe(
      "private-api: container private-api in pod demo-private-api-c is in CrashLoopBackOff after 7 restarts; last exit code 1 (Error): Error: connect ECONNREFUSED 10.0.0.5:3306",
    );
  });

  it("quotes the last line of a termination message made from the log (FallbackToLogsOnError)", () => {
    const logTail = [
      "Tracardi runtime starting",
      "cannot start: Pulsar at http://10.0.0.9:8080 does not answer: fetch failed (ECONNREFUSED)",
      "",
    ].join("\n");
    const crashing = crashLoop();
    if (crashing.lastState?.terminated) crashing.lastState.terminated.message = logTail;
    const d = diagnose([
      {
        name: "public-api",
        desired: 1,
        deployment: deploymentStatus(1, 0),
        pods: [pod("public-api", "demo-public-api-c", crashing)],
      },
    ]);
    expect(d.condition.message).toMatch(
      /last exit code 1 \(Error\): cannot start: Pulsar at http:\/\/10\.0\.0\.9:8080 does not answer: fetch failed \(ECONNREFUSED\)$/,
    );
    expect(lastLine("  \n\n")).toBe("");
  });

  it("reports ImagePullBackOff with the image", () => {
    const d = diagnose([
      {
        name: "wk-apm",
        desired: 1,
        deployment: deploymentStatus(1, 0),
        pods: [pod("wk-apm", "demo-wk-apm-p", pullError())],
      },
    ]);
    expect(d.condition.reason).toBe("ImagePullBackOff");
    expect(d.condition.message).toContain("cannot pull image tracardi/tracardi-ts:1.1.0");
  });

  it("reports Unschedulable with the scheduler's message", () => {
    const d = diagnose([
      {
        name: "wk-pl-background",
        desired: 1,
        deployment: deploymentStatus(1, 0),
        pods: [
          pod("wk-pl-background", "demo-bg-s", undefined, { phase: "Pending", conditions: unschedulable }),
        ],
      },
    ]);
    expect(d.condition.reason).toBe("Unschedulable");
    expect(d.condition.message).toContain("0/3 nodes are available: 3 Insufficient memory.");
  });

  it("reports NotReady with counts when pods are simply not ready yet, or the Deployment is missing", () => {
    const d = diagnose([
      {
        name: "public-api",
        desired: 2,
        deployment: deploymentStatus(2, 1),
        pods: [
          pod("public-api", "a", running()),
          pod("public-api", "b", { state: { waiting: { reason: "ContainerCreating" } } }),
        ],
      },
    ]);
    expect(d.condition).toMatchObject({ status: "False", reason: "NotReady" });
    expect(d.condition.message).toBe("public-api: 1/2 pods ready (pod b: ContainerCreating)");
    const missing = diagnose([{ name: "wk-apm", desired: 1, pods: [] }]);
    expect(missing.condition.message).toBe("wk-apm: Deployment not observed yet");
    const rolling = diagnose([
      { name: "wk-apm", desired: 1, deployment: deploymentStatus(1, 1, 0), pods: [] },
    ]);
    expect(rolling.condition.message).toContain("rolling out");
  });

  it("ranks the worst reason first and lists every problem", () => {
    const d = diagnose([
      {
        name: "public-api",
        desired: 1,
        deployment: deploymentStatus(1, 0),
        pods: [pod("public-api", "p", pullError())],
      },
      {
        name: "wk-apm",
        desired: 1,
        deployment: deploymentStatus(1, 0),
        pods: [pod("wk-apm", "w", oomInState())],
      },
    ]);
    expect(d.condition.reason).toBe("OOMKilled");
    expect(d.condition.message).toMatch(/^wk-apm: .*OOMKilled.*; public-api: .*cannot pull image/);
  });

  it("names a console that cannot reach the private API, with the private API's own state", () => {
    const gui: ComponentObservation = {
      name: "fe-rj-gui",
      desired: 1,
      deployment: deploymentStatus(1, 0),
      pods: [pod("fe-rj-gui", "demo-fe-rj-gui-a", { ...running(), ready: false })],
    };
    const downApi: ComponentObservation = {
      name: "private-api",
      desired: 1,
      deployment: deploymentStatus(1, 0),
      pods: [pod("private-api", "demo-private-api-a", crashLoop())],
    };
    const d = diagnose([healthy("public-api"), downApi, gui]);
    expect(d.condition).toMatchObject({ status: "False", reason: "CrashLoopBackOff" });
    expect(d.condition.message).toContain(
      "fe-rj-gui: 0/1 pods ready: the console cannot reach the private API (its /healthz checks it); private-api: 0/1 pods ready (pod demo-private-api-a: CrashLoopBackOff",
    );

    const alone = diagnose([healthy("public-api"), healthy("private-api"), gui]);
    expect(alone.condition).toMatchObject({ status: "False", reason: "GuiCannotReachPrivateApi" });
    expect(alone.condition.message).toBe(
      "fe-rj-gui: 0/1 pods ready: the console cannot reach the private API (its /healthz checks it); private-api: 1/1 pods ready, so the way from the console to its Service fails (a NetworkPolicy, the Service, DNS)",
    );
  });

  it("counts a ready console among the healthy components, and a console still starting as NotReady", () => {
    const d = diagnose([healthy("private-api"), healthy("fe-rj-gui")]);
    expect(d.condition).toMatchObject({ status: "True", reason: "AllReady" });
    expect(d.components.map((c) => c.name)).toEqual(["private-api", "fe-rj-gui"]);
    const pending: ComponentObservation = {
      name: "fe-rj-gui",
      desired: 1,
      deployment: deploymentStatus(1, 0),
      pods: [pod("fe-rj-gui", "demo-fe-rj-gui-a", undefined, { phase: "Pending" })],
    };
    expect(diagnose([healthy("private-api"), pending]).condition).toMatchObject({ reason: "NotReady" });
  });
});
