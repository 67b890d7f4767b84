/**
 * Scale-up latency on the real node real-0 (the local cluster started with it, runtime image imported):
 *   BENCH_ROUNDS=2 BENCH_INTERVAL=15 npx vitest run --config e2e/bench/vitest.config.ts e2e/bench/scale-up.bench-real.ts
 * One Tracardi on real-0 (e2e/fullstack/deployment.ts: real MariaDB, Pulsar, OpenSearch of infra/), its
 * collector autoscaled from zero (minReplicas 0, maxReplicas 3, 10 per replica, scale-down window
 * 20 s), the operator stepping every BENCH_INTERVAL seconds (its default 15). Each round sends 60 /track
 * calls through the public-api Service while no collector runs and times, from the moment Pulsar's
 * admin API first shows the backlog above the threshold (10 per replica × 0 replicas: any message),
 * the operator's first ScaledUp (Deployment replicas ≥ 1), the first collector pod Ready and (when the
 * backlog lasts long enough to scale further) the second; then it waits for the scale back to 0.
 */
import { randomUUID } from "node:crypto";
import { it } from "vitest";
import { deployFullstack, readyDeployments, realNodeMissing } from "../fullstack/deployment.js";
import { apiClient } from "../fullstack/http.js";
import { list, waitFor } from "../lib/kubectl.js";
import { getJson } from "../operator/helpers.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const INTERVAL = Number(process.env.BENCH_INTERVAL ?? 15);
const NAME = "benchscale";
const COLLECTOR = `${NAME}-wk-pl-collector`;
const SMALL = { requests: { cpu: "50m", memory: "100Mi" } };

const missing = await realNodeMissing();

interface DeploymentJson {
  spec: { replicas: number };
  status?: { readyReplicas?: number };
}

it.skipIf(missing !== undefined)(
  `collector scale-up on real-0${missing ? ` (SKIPPED: ${missing})` : ""}`,
  async () => {
    const stack = await deployFullstack(
      NAME,
      {
        api: { public: { resources: SMALL }, private: { resources: SMALL } },
        workers: {
          collector: {
            enabled: true,
            resources: SMALL,
            autoscaling: {
              enabled: true,
              minReplicas: 0,
              maxReplicas: 3,
              targetBacklogPerReplica: 10,
              scaleUpStabilizationSeconds: 0,
              scaleDownStabilizationSeconds: 20,
            },
          },
          background: { resources: SMALL },
          apm: { enabled: false },
        },
      },
      { operatorArgs: ["--autoscale-interval-seconds", String(INTERVAL)] },
    );
    const collector = () => getJson<DeploymentJson>(["-n", stack.ns, "get", "deployment", COLLECTOR]);
    const atZero = async () => {
      const d = await collector().catch(() => undefined);
      return d?.spec.replicas === 0 && (d.status?.readyReplicas ?? 0) === 0;
    };
    const backlog = async (): Promise<number> => {
      const topic = `${stack.backends.prefix}collector`;
      const res = await fetch(
        `${stack.backends.pulsarWebUrl}/admin/v2/persistent/public/default/${topic}/stats`,
      );
      const stats = (await res.json()) as { subscriptions?: Record<string, { msgBacklog?: number }> };
      return stats.subscriptions?.[topic]?.msgBacklog ?? 0;
    };

    const rows: string[] = [];
    try {
      await waitFor(`${COLLECTOR} at 0`, atZero, { timeoutMs: 180_000, intervalMs: 1_000 });
      await readyDeployments(stack.ns, NAME, 4);
      const api = await apiClient(stack.ns, NAME);
      await api.createSource("bench-site");
      for (let round = 1; round <= ROUNDS; round++) {
        await waitFor(`${COLLECTOR} at 0`, atZero, { timeoutMs: 180_000, intervalMs: 1_000 });
        const marks: Record<string, number> = {};
        let crossed = 0;
        let maxReplicas = 0;
        let watching = true;
        const watcher = (async () => {
          while (watching) {
            const now = performance.now();
            if (!crossed && (await backlog().catch(() => 0)) > 0) crossed = now;
            const d = await collector().catch(() => undefined);
            const t = performance.now();
            if (crossed && d) {
              if (d.spec.replicas >= 1) marks.scaled ??= t;
              if ((d.status?.readyReplicas ?? 0) >= 1) marks.firstReady ??= t;
              if ((d.status?.readyReplicas ?? 0) >= 2) marks.secondReady ??= t;
              maxReplicas = Math.max(maxReplicas, d.spec.replicas);
            }
            await new Promise((r) => setTimeout(r, 100));
          }
        })();
        const sessions = Array.from({ length: 20 }, () => randomUUID());
        for (let n = 0; n < 3; n++) {
          await Promise.all(
            sessions.map((id) =>
              api.track({ source: { id: "bench-site" }, session: { id }, events: [{ type: "page-view" }] }),
            ),
          );
        }
        await waitFor("a collector Ready", async () => marks.firstReady !== undefined, {
          timeoutMs: 240_000,
          intervalMs: 500,
        });
        await api.drained(120_000);
        watching = false;
        await watcher;
        const s = (t: number | undefined) =>
          t === undefined ? "-" : `${((t - crossed) / 1000).toFixed(1)} s`;
        const row = `| ${round} | ${s(marks.scaled)} | ${s(marks.firstReady)} | ${s(marks.secondReady)} | ${maxReplicas} |`;
        rows.push(row);
        console.log(row);
      }
    } finally {
      console.log(`\noperator interval ${INTERVAL} s; from the backlog above its threshold (0 replicas) to:`);
      console.log(
        "| round | ScaledUp (replicas ≥ 1) | first collector Ready | second Ready | most replicas |",
      );
      console.log(
        "| ----- | ----------------------- | --------------------- | ------------ | ------------- |",
      );
      for (const row of rows) console.log(row);
      await stack.close();
    }
  },
);
