// The product on the real node: the operator deploys a Tracardi (collector worker on) on real-0 wired
// to the real MariaDB, Pulsar and OpenSearch of infra/; every Deployment turns Ready by its own
// readiness probe, /track through the public-api Service is answered, and every event and profile
// is stored exactly once, read back through the private-api Service.
// Skipped (not passed) when the cluster has no Ready node real-0 (CLUSTER_REAL_NODE=1).
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Pod, waitFor } from "../lib/kubectl.js";
import { getJson } from "../operator/helpers.js";
import { deployFullstack, type Fullstack, IMAGE, realNodeMissing, serviceUrl } from "./deployment.js";
import { type ApiClient, apiClient } from "./http.js";

const missing = await realNodeMissing();
if (missing) console.warn(`[e2e] fullstack/pipeline.test.ts SKIPPED: ${missing}`);

const NAME = "pipe";
const COMPONENTS = ["private-api", "public-api", "wk-apm", "wk-pl-background", "wk-pl-collector"];

interface Deployment {
  metadata: { name: string };
  spec: { replicas: number };
  status?: { readyReplicas?: number; updatedReplicas?: number };
}

describe.skipIf(missing !== undefined)(
  `Tracardi on the real node${missing ? ` (SKIPPED: ${missing})` : ""}`,
  () => {
    let stack: Fullstack;
    let api: ApiClient;

    beforeAll(async () => {
      stack = await deployFullstack(NAME);
    }, 300_000);
    afterAll(async () => {
      await stack?.close();
    }, 120_000);

    it("turns every Deployment Ready on real-0 through the runtime's own readiness probe", async () => {
      const deployments = await waitFor(
        "all five Deployments Ready",
        async () => {
          const list = await getJson<{ items: Deployment[] }>([
            "-n",
            stack.ns,
            "get",
            "deployments",
            "-l",
            `app.kubernetes.io/instance=${NAME}`,
          ]);
          const ready = list.items.filter((d) => d.status?.readyReplicas === d.spec.replicas);
          return list.items.length === COMPONENTS.length && ready.length === list.items.length
            ? list.items
            : undefined;
        },
        { timeoutMs: 240_000, intervalMs: 1_000 },
      );
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
        expect(container?.readinessProbe?.httpGet?.path).toBe("/readyz");
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
  },
);
