// Scaling on the real node: one Tracardi on real-0.
// - The collector worker scales from its backlog in the real Pulsar (minReplicas 0, 2 at most, 10
//   messages per replica, the operator stepping every 2 s): /track calls pile up on the collector
//   topic while no collector runs, the operator wakes it, real collector pods drain the backlog (and
//   the background worker stores it), every event is stored once, and after the scale-down window it
//   is back at 0. Runs by default (about 1 min here, 2 min with the deployment).
// - Opt-in (E2E_REAL_HPA=1): the public API's HorizontalPodAutoscaler (api.public.autoscaling) with
//   the cluster's metrics-server: load through the public-api Service raises its pods' CPU, the HPA
//   adds a replica, and the operator's next reconcile leaves that replica count alone.
// Pods ask for little CPU (real-0 has two shared cores); pod counts stay small.
// Skipped (not passed) when the cluster has no Ready node real-0.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { list, waitFor } from "../lib/kubectl.js";
import { getJson, kubectl, tracardi } from "../operator/helpers.js";
import { deployFullstack, type Fullstack, readyDeployments, realNodeMissing } from "./deployment.js";
import { type ApiClient, apiClient } from "./http.js";

const missing = await realNodeMissing();
if (missing) console.warn(`[e2e] fullstack/autoscaling.test.ts SKIPPED: ${missing}`);
// The public API's HPA under real CPU load is opt-in (E2E_REAL_HPA=1): on this 2-core machine the
// load that must push the HPA past its target competes with everything else the suite runs, so it
// passed alone but timed out in the full run.
const hpaOptIn = process.env.E2E_REAL_HPA === "1";

const NAME = "scale";
const COLLECTOR = `${NAME}-wk-pl-collector`;
const PUBLIC_API = `${NAME}-public-api`;
const SOURCE = "scaling-site";
const VIEWS = 10;
const SMALL = { requests: { cpu: "50m", memory: "100Mi" } };
/** The backlog builds up for this long before the collector wakes (the lowest recommendation of the window). */
const SCALE_UP_WINDOW = 10;
/** The collector scales down this long after the backlog is gone. */
const SCALE_DOWN_WINDOW = 20;
const MAX_COLLECTORS = 2;

interface DeploymentJson {
  metadata: { managedFields?: { manager: string; fieldsV1?: { "f:spec"?: Record<string, unknown> } }[] };
  spec: { replicas: number };
  status?: { readyReplicas?: number };
}
interface HpaJson {
  status?: {
    desiredReplicas?: number;
    currentMetrics?: { resource?: { name: string; current?: { averageUtilization?: number } } }[];
  };
}
interface ScaleStatus {
  backlog?: number;
  autoscaling?: { collector?: { currentReplicas: number; desiredReplicas: number; reason: string } };
}

describe.skipIf(missing !== undefined)(
  `scaling on the real node${missing ? ` (SKIPPED: ${missing})` : ""}`,
  () => {
    let stack: Fullstack;
    let api: ApiClient;

    const deployment = (name: string) =>
      getJson<DeploymentJson>(["-n", stack.ns, "get", "deployment", name, "--show-managed-fields"]);
    const notes = async (reason: string): Promise<string[]> => {
      const events = await getJson<{
        items: { reason: string; note?: string; regarding?: { name: string }; eventTime?: string }[];
      }>(["-n", stack.ns, "get", "events.events.k8s.io"]);
      return events.items
        .filter((e) => e.reason === reason && e.regarding?.name === NAME)
        .sort((a, b) => (a.eventTime ?? "").localeCompare(b.eventTime ?? ""))
        .map((e) => e.note ?? "");
    };

    /** What Pulsar and the worker pods say about the stages, for a failure message. */
    const pipelineReport = async (): Promise<string> => {
      const { pulsarWebUrl, prefix } = stack.backends;
      const lines: string[] = [];
      for (const stage of ["collector", "storage"]) {
        const topic = `${pulsarWebUrl}/admin/v2/persistent/public/default/${prefix}${stage}/stats`;
        const stats = (await (await fetch(topic)).json().catch(() => ({}))) as {
          subscriptions?: Record<string, Record<string, unknown> & { consumers?: Record<string, unknown>[] }>;
        };
        for (const [name, sub] of Object.entries(stats.subscriptions ?? {})) {
          const consumers = (sub.consumers ?? []).map((c) => ({
            address: c.address,
            connectedSince: c.connectedSince,
            out: c.msgOutCounter,
            unacked: c.unackedMessages,
            permits: c.availablePermits,
          }));
          lines.push(
            `${stage} ${name}: backlog ${sub.msgBacklog}, unacked ${sub.unackedMessages}, out ${sub.msgOutCounter}, consumers ${JSON.stringify(consumers)}`,
          );
        }
      }
      for (const component of ["wk-pl-background", "wk-pl-collector"]) {
        const logs = await kubectl([
          "-n",
          stack.ns,
          "logs",
          "-l",
          `app.kubernetes.io/component=${component}`,
          "--tail=30",
          "--prefix",
        ]).catch((err: Error) => err.message);
        lines.push(`${component} logs:\n${logs}`);
      }
      return lines.join("\n");
    };

    beforeAll(async () => {
      stack = await deployFullstack(
        NAME,
        {
          api: {
            public: {
              resources: SMALL,
              ...(hpaOptIn
                ? {
                    autoscaling: {
                      enabled: true,
                      minReplicas: 1,
                      maxReplicas: 2,
                      targetCPUUtilizationPercentage: 100,
                    },
                  }
                : {}),
            },
            private: { resources: SMALL },
          },
          workers: {
            collector: {
              enabled: true,
              resources: SMALL,
              autoscaling: {
                enabled: true,
                minReplicas: 0,
                maxReplicas: MAX_COLLECTORS,
                targetBacklogPerReplica: 10,
                scaleUpStabilizationSeconds: SCALE_UP_WINDOW,
                scaleDownStabilizationSeconds: SCALE_DOWN_WINDOW,
              },
            },
            background: { resources: SMALL },
            apm: { enabled: false },
          },
          gui: { enabled: false },
        },
        { operatorArgs: ["--autoscale-interval-seconds", "2"] },
      );
      try {
        // The two APIs and the background worker Ready; the collector at 0 (nothing waits) and its
        // first pod gone (a terminating collector would still drain what the test publishes).
        await waitFor(
          `${COLLECTOR} at 0 replicas, no collector pod left`,
          async () =>
            (await deployment(COLLECTOR).catch(() => undefined))?.spec.replicas === 0 &&
            (
              await list("pods", {
                namespace: stack.ns,
                selector: "app.kubernetes.io/component=wk-pl-collector",
              })
            ).length === 0,
          { timeoutMs: 180_000, intervalMs: 1_000 },
        );
        await readyDeployments(stack.ns, NAME, 4);
        api = await apiClient(stack.ns, NAME);
        await api.createSource(SOURCE);
      } catch (err) {
        throw new Error(
          `${(err as Error).message}\noperator log tail:\n${stack.operator.logs.slice(-15).join("")}`,
        );
      }
    }, 400_000);
    afterAll(async () => {
      await stack?.close();
    }, 120_000);

    it("wakes the collector for a backlog, real collector pods drain it, every event stored once, then back to 0", async () => {
      expect(api, "the Tracardi became Ready").toBeDefined();
      // Watch the collector Deployment for the whole scenario: how far it was scaled, how many pods were Ready.
      let maxReplicas = 0;
      let maxReady = 0;
      let watching = true;
      const watcher = (async () => {
        while (watching) {
          const d = await deployment(COLLECTOR).catch(() => undefined);
          maxReplicas = Math.max(maxReplicas, d?.spec.replicas ?? 0);
          maxReady = Math.max(maxReady, d?.status?.readyReplicas ?? 0);
          await new Promise((r) => setTimeout(r, 500));
        }
      })();

      try {
        // 200 /track calls, 20 at a time: the backlog grows for the scale-up window before a collector wakes.
        const visitors = Array.from({ length: 20 }, () => randomUUID());
        const profileOf = new Map<string, string>();
        for (let n = 0; n < VIEWS; n++) {
          const answers = await Promise.all(
            visitors.map((session) =>
              api.track({
                source: { id: SOURCE },
                session: { id: session },
                events: [{ type: "page-view", properties: { n } }],
              }),
            ),
          );
          answers.forEach((answer, i) => {
            expect(answer.status, JSON.stringify(answer.body)).toBe(200);
            profileOf.set(visitors[i] as string, answer.body.profile?.id as string);
          });
        }

        // Woken from 0 by the backlog (10 per replica), then drained by the real pods, each event once.
        await waitFor("a collector pod Ready", async () => maxReady >= 1, {
          timeoutMs: 180_000,
          intervalMs: 1_000,
        });
        const up = await notes("ScaledUp");
        expect(up[0]).toMatch(new RegExp(`^${COLLECTOR}: backlog \\d+ > 10 per replica × 0 → 1 replica \\(`));
        await api.drained(150_000).catch(async (err: Error) => {
          throw new Error(`${err.message}\n${await pipelineReport()}`);
        });
        for (const profile of profileOf.values()) {
          const views = await api.events(`profile=${profile}&type=page-view`);
          expect(views.body.total, profile).toBe(VIEWS);
          expect(new Set(views.body.items.map((e) => (e.properties as { n: number }).n)).size).toBe(VIEWS);
        }

        // After the window, back to 0 with no collector pod left.
        await waitFor(
          `${COLLECTOR} back at 0`,
          async () => {
            const d = await deployment(COLLECTOR);
            return d.spec.replicas === 0 && (d.status?.readyReplicas ?? 0) === 0;
          },
          { timeoutMs: SCALE_DOWN_WINDOW * 1000 + 90_000, intervalMs: 1_000 },
        );
        expect(maxReplicas).toBeGreaterThanOrEqual(1);
        expect(maxReplicas).toBeLessThanOrEqual(MAX_COLLECTORS);
        // The status follows at the operator's next step.
        const status = await waitFor(
          "the status shows the collector at 0",
          async () => {
            const s = (await tracardi(stack.ns, NAME)).status as ScaleStatus | undefined;
            return s?.autoscaling?.collector?.currentReplicas === 0 ? s : undefined;
          },
          { timeoutMs: 30_000, intervalMs: 1_000 },
        );
        expect(status.backlog).toBe(0);
        expect((await notes("ScaledDown")).at(-1)).toMatch(new RegExp(`^${COLLECTOR}: .*→ 0 replicas`));
      } finally {
        watching = false;
        await watcher;
      }
    }, 480_000);

    it.skipIf(!hpaOptIn)(
      "lets the HPA add a public-api replica under CPU load and keeps it through the operator's reconciles",
      async () => {
        expect(api, "the Tracardi became Ready").toBeDefined();
        // metrics-server reports the public API's CPU to the HPA; idle, it stays at 1 replica.
        const idle = await waitFor(
          "the HPA reads the public API's CPU from metrics-server",
          async () => {
            const hpa = await getJson<HpaJson>(["-n", stack.ns, "get", "hpa", PUBLIC_API]);
            return hpa.status?.currentMetrics?.[0]?.resource?.current?.averageUtilization !== undefined
              ? hpa
              : undefined;
          },
          { timeoutMs: 120_000, intervalMs: 2_000 },
        );
        expect(idle.status?.desiredReplicas).toBe(1);
        expect((await deployment(PUBLIC_API)).spec.replicas).toBe(1);
        expect(
          await kubectl(["-n", stack.ns, "top", "pod", "-l", `app.kubernetes.io/component=public-api`]),
        ).toMatch(new RegExp(`${PUBLIC_API}-\\S+\\s+\\d+m`));

        // Load: eight senders through the Service until the HPA has scaled the Deployment to 2.
        let loading = true;
        let sent = 0;
        const sender = async () => {
          while (loading) {
            await api
              .track({
                source: { id: SOURCE },
                session: { id: randomUUID() },
                events: [{ type: "page-view" }],
              })
              .catch(() => undefined);
            sent++;
          }
        };
        const senders = Array.from({ length: 8 }, sender);
        try {
          await waitFor(
            `${PUBLIC_API} scaled to 2 by the HPA`,
            async () => (await deployment(PUBLIC_API)).spec.replicas === 2,
            { timeoutMs: 240_000, intervalMs: 2_000 },
          );
        } finally {
          loading = false;
          await Promise.all(senders);
        }
        expect(sent).toBeGreaterThan(0);
        const hpa = await getJson<HpaJson>(["-n", stack.ns, "get", "hpa", PUBLIC_API]);
        expect(hpa.status?.desiredReplicas).toBe(2);

        // A spec change makes the operator reconcile (and apply the Deployment) again: replicas stay the
        // HPA's 2 (not the ignored spec.api.public.replicas 3), and the operator's apply does not own them.
        await kubectl([
          "-n",
          stack.ns,
          "patch",
          "tracardi",
          NAME,
          "--type=merge",
          "-p",
          JSON.stringify({ spec: { api: { public: { replicas: 3 } } } }),
        ]);
        await waitFor(
          "the operator reconciled the new generation",
          async () => {
            const t = await tracardi(stack.ns, NAME);
            return t.status?.observedGeneration === t.metadata.generation;
          },
          { timeoutMs: 60_000, intervalMs: 1_000 },
        );
        const after = await deployment(PUBLIC_API);
        expect(after.spec.replicas).toBe(2);
        const owners = (after.metadata.managedFields ?? [])
          .filter((f) => f.fieldsV1?.["f:spec"]?.["f:replicas"] !== undefined)
          .map((f) => f.manager);
        expect(owners).not.toContain("tracardi-operator");
      },
      480_000,
    );
  },
);
