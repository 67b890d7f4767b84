// The operator's diagnostics on real pods: one Tracardi on real-0 (collector worker on, its database
// on the suite's own MariaDB) goes through an expired licence, a lost database, a kernel OOM kill and
// a crash loop, in that order, so the pods started once serve every scenario. Each fault is real:
// the key is expired, mariadbd is stopped, the kernel kills the container at its cgroup limit, the
// runtime exits because nobody listens at its Pulsar address. Nothing is labelled or logged by hand.
// Skipped (not passed) when the cluster has no Ready node real-0.

import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubectl as kubectlRun, list, type Pod, waitFor } from "../lib/kubectl.js";
import {
  type Condition,
  kubectl,
  putLicenseSecret,
  tracardi,
  waitForCondition,
} from "../operator/helpers.js";
import {
  deployFullstack,
  type Fullstack,
  NODE_IP,
  OWN_MARIADB_PORT,
  ownMariaDb,
  readyDeployments,
  realNodeMissing,
} from "./deployment.js";
import { type ApiClient, apiClient } from "./http.js";

const missing = await realNodeMissing();
if (missing) console.warn(`[e2e] fullstack/diagnostics.test.ts SKIPPED: ${missing}`);

const NAME = "ops";
// public-api, private-api, wk-pl-collector, wk-pl-background (APM and the console off: fewer pod starts)
const COMPONENTS = 4;
// Small CPU requests: a rollout surges every Deployment at once and real-0 has two cores.
const SMALL = { requests: { cpu: "50m", memory: "100Mi" } };
/** A Pulsar address of valid form where nobody listens (the node IP, ports next to the real ones). */
const NOWHERE = { url: `pulsar://${NODE_IP}:16651`, webUrl: `http://${NODE_IP}:18081` };

/** `kubectl describe tracardi` to a file named by E2E_DESCRIBE_DIR (how README's example was taken). */
async function keepDescribe(ns: string, scenario: string): Promise<void> {
  const dir = process.env.E2E_DESCRIBE_DIR;
  if (!dir) return;
  writeFileSync(`${dir}/describe-${scenario}.txt`, await kubectl(["-n", ns, "describe", "tracardi", NAME]));
}

describe.skipIf(missing !== undefined)(
  `operator diagnostics on real pods${missing ? ` (SKIPPED: ${missing})` : ""}`,
  () => {
    let stack: Fullstack;
    let api: ApiClient;
    const patch = (spec: Record<string, unknown>) =>
      kubectl(["-n", stack.ns, "patch", "tracardi", NAME, "--type", "merge", "-p", JSON.stringify({ spec })]);
    const pods = (component?: string) =>
      list<Pod>("pods", {
        namespace: stack.ns,
        selector: `app.kubernetes.io/instance=${NAME}${component ? `,app.kubernetes.io/component=${component}` : ""}`,
      });
    const condition = (type: string, match: Partial<Condition>, timeoutMs: number) =>
      waitForCondition(stack.ns, NAME, type, match, timeoutMs);

    beforeAll(async () => {
      stack = await deployFullstack(
        NAME,
        {
          api: { public: { resources: SMALL }, private: { resources: SMALL } },
          workers: {
            collector: { enabled: true, resources: SMALL },
            background: { resources: SMALL },
            apm: { enabled: false },
          },
          gui: { enabled: false },
        },
        { licenseDays: -1, ownMariaDb: true },
      );
      await readyDeployments(stack.ns, NAME, COMPONENTS);
      api = await apiClient(stack.ns, NAME);
    }, 300_000);
    afterAll(async () => {
      await ownMariaDb("start").catch(() => undefined); // dropBackends needs it, should a test stop early
      await stack?.close();
      await ownMariaDb("stop"); // the suite's own instance: nobody else uses it
    }, 120_000);

    it("expired licence: intake answers, processing pauses, LicenseValid=False/Expired; a renewed key in the Secret rolls the pods and processing resumes", async () => {
      const expired = await condition("LicenseValid", { status: "False", reason: "Expired" }, 60_000);
      expect(expired.message).toContain("keep accepting data");

      await api.createSource("licence-site");
      const session = randomUUID();
      for (let n = 0; n < 10; n++) {
        const answer = await api.track({
          source: { id: "licence-site" },
          session: { id: session },
          events: [{ type: "licence-view", properties: { n } }],
        });
        expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      }
      // Accepted into the queue, not processed: the collector topic holds them, no event is stored.
      const paused = await waitFor(
        "the ten events waiting in the queue",
        async () => {
          const status = await api.admin<{
            license: { status: string; processing: string };
            queue: { backlog: Record<string, number> };
          }>("GET", "/api/v1/status");
          const waiting = Object.values(status.body.queue.backlog).reduce((a, b) => a + b, 0);
          return waiting >= 10 ? status.body : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 500 },
      );
      expect(paused.license).toMatchObject({ status: "Expired", processing: "paused" });
      expect((await api.events(`session=${session}`)).body.total).toBe(0);

      const before = new Set((await pods()).map((p) => p.metadata.name));
      await putLicenseSecret(stack.ns, stack.license.key(365));
      await condition("LicenseValid", { status: "True", reason: "Valid" }, 60_000);
      await waitFor(
        "every pod replaced by one started with the renewed key",
        async () => {
          const now = await pods();
          return now.length === COMPONENTS && now.every((p) => !before.has(p.metadata.name))
            ? now
            : undefined;
        },
        { timeoutMs: 180_000, intervalMs: 1_000 },
      );
      await readyDeployments(stack.ns, NAME, COMPONENTS);
      api = await apiClient(stack.ns, NAME);
      await api.drained(120_000);
      const stored = await api.events(`session=${session}&type=licence-view`);
      expect(stored.body.total).toBe(10);
      expect(stored.body.items.map((e) => e.properties.n).sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    }, 420_000);

    it("lost database: the pods turn unready by their own probes and log it → BackendsReachable=False/ConnectionLost naming MySQL and the pods; back → it clears", async () => {
      await ownMariaDb("stop");
      const lost = await condition(
        "BackendsReachable",
        { status: "False", reason: "ConnectionLost" },
        120_000,
      );
      expect(lost.message).toContain(`MySQL at ${NODE_IP}:${OWN_MARIADB_PORT}`);
      const named = [...lost.message.matchAll(/(?:public-api|private-api|wk-[a-z-]+) pod (\S+?)[,)]/g)].map(
        (m) => m[1] as string,
      );
      expect(named.length).toBeGreaterThan(0);
      const live = new Map((await pods()).map((p) => [p.metadata.name, p]));
      for (const pod of named) {
        // A real pod, on real-0, unready by its readiness probe, whose own log says so.
        expect(live.get(pod)?.spec?.nodeName, pod).toBe("real-0");
        expect(live.get(pod)?.status?.containerStatuses?.[0]?.ready, pod).toBe(false);
        const log = await kubectlRun(["-n", stack.ns, "logs", pod]);
        expect(log.stdout).toMatch(new RegExp(`backend problem: MySQL at ${NODE_IP}:${OWN_MARIADB_PORT}`));
      }
      await condition("Ready", { status: "False", reason: "ConnectionLost" }, 30_000);
      await waitFor(
        "a Warning ConnectionLost event in describe",
        async () =>
          /Warning\s+ConnectionLost/.test(await kubectl(["-n", stack.ns, "describe", "tracardi", NAME])),
        { timeoutMs: 15_000 },
      );
      await keepDescribe(stack.ns, "backend");

      await ownMariaDb("start");
      await condition("BackendsReachable", { status: "True", reason: "NoneReported" }, 120_000);
      await condition("ComponentsHealthy", { status: "True" }, 60_000);
      expect(await kubectl(["-n", stack.ns, "describe", "tracardi", NAME])).toMatch(
        /Normal\s+BackendsReachableRecovered/,
      );
      // The probe sees the database back at once; the log line follows at the next backend check (10 s).
      const [pod] = named;
      await waitFor(
        `pod ${pod} logs that MySQL is back`,
        async () =>
          /backend recovered: MySQL at/.test((await kubectlRun(["-n", stack.ns, "logs", pod ?? ""])).stdout),
        { timeoutMs: 30_000, intervalMs: 1_000 },
      );
    }, 300_000);

    it("kernel OOM kill: a memory limit the runtime cannot live in → ComponentsHealthy=False/OOMKilled naming the component, the limit and the field; a higher limit heals it", async () => {
      const background = (requests: string, limits: string) =>
        patch({
          workers: {
            background: {
              resources: { requests: { cpu: "50m", memory: requests }, limits: { memory: limits } },
            },
          },
        });
      await background("32Mi", "32Mi");
      const oom = await condition("ComponentsHealthy", { status: "False", reason: "OOMKilled" }, 120_000);
      expect(oom.message).toMatch(
        /^wk-pl-background: container wk-pl-background in pod ops-wk-pl-background-\S+ was OOMKilled \(memory limit 32Mi\), \d+ times? in the last hour; raise spec\.workers\.background\.resources\.limits\.memory/,
      );
      const killed = (await pods("wk-pl-background"))
        .map((p) => p.status?.containerStatuses?.[0])
        .find((cs) => (cs?.lastState?.terminated ?? cs?.state?.terminated)?.reason === "OOMKilled");
      expect((killed?.lastState?.terminated ?? killed?.state?.terminated)?.exitCode).toBe(137);
      await keepDescribe(stack.ns, "oom");

      await background("100Mi", "500Mi");
      await condition("ComponentsHealthy", { status: "True", reason: "AllReady" }, 180_000);
      const component = (await tracardi(stack.ns, NAME)).status?.components?.find(
        (c) => c.name === "wk-pl-background",
      );
      expect(component?.oomKillsLastHour).toBeGreaterThanOrEqual(1);
    }, 360_000);

    it("crash loop: a Pulsar address where nobody listens → CrashLoopBackOff, the condition quoting the runtime's own last log line", async () => {
      // The collector goes too (the background worker must stay with Pulsar): three pods restart and crash.
      await patch({ pulsar: NOWHERE, workers: { collector: { enabled: false } } });
      const crash = await condition(
        "ComponentsHealthy",
        { status: "False", reason: "CrashLoopBackOff" },
        180_000,
      );
      const line = `cannot start: Pulsar at ${NOWHERE.webUrl} does not answer`;
      expect(crash.message).toContain(line);
      expect(crash.message).toMatch(
        /is in CrashLoopBackOff after \d+ restarts?; last exit code 1 \(Error\): /,
      );
      // The quote is the kubelet's termination message, made from the log (FallbackToLogsOnError).
      const crashing = (await pods())
        .map((p) => p.status?.containerStatuses?.[0])
        .find((cs) => cs?.state?.waiting?.reason === "CrashLoopBackOff");
      expect(crashing?.lastState?.terminated?.message).toContain(line);
      await keepDescribe(stack.ns, "crashloop");
    }, 240_000);
  },
);
