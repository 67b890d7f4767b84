// The product on the real node: the operator deploys a Tracardi (collector worker on) on real-0 wired
// to the real MariaDB, Pulsar and OpenSearch of infra/; every Deployment turns Ready by its own
// readiness probe, /track through the public-api Service is answered, and every event and profile
// is stored exactly once, read back through the private-api Service; pods killed mid-load lose and
// duplicate nothing that was acknowledged.
// Skipped (not passed) when the cluster has no Ready node real-0 (CLUSTER_REAL_NODE=0, no root, …).
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubectlOk, list, type Pod, waitFor } from "../lib/kubectl.js";
import { getJson } from "../operator/helpers.js";
import {
  deployFullstack,
  type Fullstack,
  IMAGE,
  readyDeployments as readyDeploymentsOf,
  realNodeMissing,
  serviceUrl,
} from "./deployment.js";
import { type ApiClient, apiClient } from "./http.js";

const missing = await realNodeMissing();
if (missing) console.warn(`[e2e] fullstack/pipeline.test.ts SKIPPED: ${missing}`);

const NAME = "pipe";
// The console (fe-rj-gui, spec.gui on by default) runs `tracardi gui`, ready once it reaches the private API.
const COMPONENTS = [
  "fe-rj-gui",
  "private-api",
  "public-api",
  "wk-apm",
  "wk-pl-background",
  "wk-pl-collector",
];

describe.skipIf(missing !== undefined)(
  `Tracardi on the real node${missing ? ` (SKIPPED: ${missing})` : ""}`,
  () => {
    let stack: Fullstack;
    let api: ApiClient;

    beforeAll(async () => {
      // Two public APIs: the Service keeps answering while one of them is killed.
      stack = await deployFullstack(NAME, { api: { public: { replicas: 2 } } });
    }, 300_000);
    afterAll(async () => {
      await stack?.close();
    }, 120_000);

    const readyDeployments = () => readyDeploymentsOf(stack.ns, NAME, COMPONENTS.length);

    it("turns every Deployment Ready on real-0 through the runtime's own readiness probe", async () => {
      const deployments = await readyDeployments();
      expect(deployments.map((d) => d.metadata.name).sort()).toEqual(COMPONENTS.map((c) => `${NAME}-${c}`));

      const pods = await getJson<{ items: Pod[] }>([
        "-n",
        stack.ns,
        "get",
        "pods",
        "-l",
        `app.kubernetes.io/instance=${NAME}`,
      ]);
      for (const pod of pods.items) {
        expect(pod.spec?.nodeName, pod.metadata.name).toBe("real-0");
        const container = pod.spec?.containers?.[0] as
          | { image?: string; readinessProbe?: { httpGet?: { path?: string } } }
          | undefined;
        expect(container?.image).toBe(IMAGE);
        const console = pod.metadata.name.startsWith(`${NAME}-fe-rj-gui-`);
        expect(container?.readinessProbe?.httpGet?.path).toBe(console ? "/healthz" : "/readyz");
        expect(pod.status?.containerStatuses?.[0]?.ready, pod.metadata.name).toBe(true);
      }
      api = await apiClient(stack.ns, NAME);
    });

    it("answers /track through the public-api Service and stores every event and profile exactly once", async () => {
      expect(api, "the Deployments became Ready").toBeDefined();
      const publicUrl = await serviceUrl(stack.ns, `${NAME}-public-api`);
      expect(publicUrl).toMatch(/^http:\/\/10\.96\./);
      await api.createSource("fullstack-site");

      const visitors = Array.from({ length: 10 }, () => randomUUID());
      const viewsPerVisitor = 3;
      const profileOf = new Map<string, string>();
      for (let n = 0; n < viewsPerVisitor; n++) {
        const answers = await Promise.all(
          visitors.map((session) =>
            api.track({
              source: { id: "fullstack-site" },
              session: { id: session },
              events: [{ type: "page-view", properties: { n } }],
            }),
          ),
        );
        answers.forEach((answer, i) => {
          expect(answer.status, JSON.stringify(answer.body)).toBe(200);
          const session = visitors[i] as string;
          const profile = answer.body.profile?.id as string;
          expect(profileOf.get(session) ?? profile).toBe(profile);
          profileOf.set(session, profile);
        });
      }
      expect(new Set(profileOf.values()).size).toBe(visitors.length);

      await waitFor(
        "every page view stored",
        async () => {
          for (const profile of profileOf.values()) {
            const views = await api.events(`profile=${profile}&type=page-view`);
            if (views.body.total !== viewsPerVisitor) return undefined;
          }
          return true;
        },
        { timeoutMs: 120_000, intervalMs: 1_000 },
      );
      await api.drained(120_000);

      for (const profile of profileOf.values()) {
        const stored = await api.profile(profile);
        expect(stored.status).toBe(200);
        expect(stored.body).toMatchObject({ id: profile, metadata: { time: { visit: { count: 1 } } } });
        const all = await api.events(`profile=${profile}`);
        expect(all.body.items.map((e) => e.type).sort()).toEqual([
          "page-view",
          "page-view",
          "page-view",
          "profile-created",
          "session-opened",
          "visit-started",
        ]);
      }
      // Exactly one profile per visitor and nothing else in this deployment's profile index.
      expect(await api.profileCount()).toBe(visitors.length);
      expect((await api.events("type=page-view")).body.total).toBe(visitors.length * viewsPerVisitor);
    });

    it("stores every acknowledged event exactly once when a collector and a public-api pod are killed mid-load", async () => {
      expect(api, "the Deployments became Ready").toBeDefined();
      await api.createSource("kill-site");
      const sessions = Array.from({ length: 8 }, () => randomUUID());
      const acknowledged = new Set<number>();
      let sent = 0;
      let stop = false;
      const sender = async (session: string) => {
        while (!stop) {
          const seq = sent++;
          const answer = await api
            .track({
              source: { id: "kill-site" },
              session: { id: session },
              events: [{ type: "kill-load", properties: { seq } }],
            })
            .catch(() => undefined);
          if (answer?.status === 200) acknowledged.add(seq);
        }
      };
      const acks = (n: number) =>
        waitFor(`${n} acknowledged events`, async () => acknowledged.size >= n, { timeoutMs: 90_000 });
      const kill = async (component: string) => {
        const [victim] = await list<Pod>("pods", {
          namespace: stack.ns,
          selector: `app.kubernetes.io/instance=${NAME},app.kubernetes.io/component=${component}`,
        });
        expect(victim, component).toBeDefined();
        await kubectlOk([
          "-n",
          stack.ns,
          "delete",
          "pod",
          victim?.metadata.name ?? "",
          "--grace-period=0",
          "--force",
        ]);
      };

      const load = Promise.all(sessions.map(sender));
      await acks(50);
      await kill("wk-pl-collector");
      await acks(acknowledged.size + 50);
      await kill("public-api");
      await acks(acknowledged.size + 100);
      stop = true;
      await load;

      await readyDeployments();
      await api.drained(180_000);
      const stored = new Map<number, number>();
      for (const session of sessions) {
        const page = await api.events(`session=${session}&type=kill-load&limit=1000`);
        expect(page.status).toBe(200);
        expect(page.body.items.length).toBe(page.body.total);
        for (const event of page.body.items) {
          const seq = event.properties.seq as number;
          stored.set(seq, (stored.get(seq) ?? 0) + 1);
        }
      }
      const lost = [...acknowledged].filter((seq) => stored.get(seq) !== 1);
      const duplicated = [...stored].filter(([, count]) => count > 1).map(([seq]) => seq);
      expect({ lost, duplicated }).toEqual({ lost: [], duplicated: [] });
      expect(acknowledged.size).toBeGreaterThanOrEqual(200);
      console.log(
        `[e2e] kill mid-load: ${sent} sent, ${acknowledged.size} acknowledged, ${stored.size} stored`,
      );
    }, 300_000);
  },
);
