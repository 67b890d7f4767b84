import type {
  KubernetesObject,
  V1Deployment,
  V1Pod,
  V1Secret,
  V2HorizontalPodAutoscaler,
} from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { generateLicenseKeyPair, issueLicense } from "../../runtime/license/index.js";
import type { Topic } from "../../runtime/ports/queue.js";
import { DEFAULT_WORKER_AUTOSCALING } from "../api/defaults.js";
import type { Tracardi, TracardiStatus } from "../api/types.js";
import { KubeHttpError, type KubeRequester, type RequestSpec } from "../kube/http.js";
import type { RecordedEvent } from "../kube/recorder.js";
import type { PipelineStats, StageStats } from "../pulsar/stats.js";
import { sampleTracardi } from "../testing/fixtures.js";
import { fakePipelineReader } from "../testing/pipeline.js";
import { pod } from "../testing/pods.js";
import type { RuntimeHttp } from "./observe-runtime.js";
import { type Cache, Reconciler, type ReconcilerDeps } from "./reconcile.js";

const now = new Date("2026-06-01T00:00:00Z");
const pair = generateLicenseKeyPair();
const licence = (days: number) =>
  issueLicense(
    { owner: "Acme", expires: new Date(now.getTime() + days * 86_400_000), issued: now },
    pair.privateKey,
  );

class MapCache<T extends { metadata?: { name?: string; namespace?: string } }> implements Cache<T> {
  readonly items = new Map<string, T>();
  get(ns: string, name: string) {
    return this.items.get(`${ns}/${name}`);
  }
  list(ns?: string) {
    return [...this.items.values()].filter((o) => ns === undefined || o.metadata?.namespace === ns);
  }
  put(obj: T) {
    this.items.set(`${obj.metadata?.namespace}/${obj.metadata?.name}`, obj);
  }
}

/** Answers like the API server would, and remembers every request. */
class FakeApi implements KubeRequester {
  calls: RequestSpec[] = [];
  secret: V1Secret | undefined;
  /** Other Secrets a GET may find, by name. */
  secrets = new Map<string, V1Secret>();
  /** Secrets created with POST, by name; a second create of a name answers 409 like the API server. */
  created = new Map<string, V1Secret>();
  failApplyWith: KubeHttpError | undefined;
  /** Only the apply whose path ends so fails with failApplyWith (all applies when absent). */
  failApplyOf: string | undefined;
  /** With `answerLater`, each request answers a turn of the event loop later; "start|end method path". */
  timeline: string[] = [];
  answerLater = false;
  private rv = 100;

  async request<T>(spec: RequestSpec): Promise<T> {
    if (!this.answerLater) return this.answer<T>(spec);
    const what = `${spec.method} ${spec.path}`;
    this.timeline.push(`start ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
    try {
      return await this.answer<T>(spec);
    } finally {
      this.timeline.push(`end ${what}`);
    }
  }

  private async answer<T>(spec: RequestSpec): Promise<T> {
    this.calls.push(spec);
    const other = this.secrets.get(spec.path.split("/secrets/")[1] ?? "");
    if (spec.method === "GET" && other) return other as T;
    if (spec.method === "GET" && spec.path.includes("/secrets/")) {
      if (!this.secret) throw new KubeHttpError(404, '{"message":"not found"}', "GET", spec.path);
      return this.secret as T;
    }
    if (spec.method === "POST" && spec.path.endsWith("/secrets")) {
      const body = structuredClone(spec.body) as V1Secret;
      const name = body.metadata?.name ?? "";
      if (this.created.has(name))
        throw new KubeHttpError(409, '{"message":"already exists"}', "POST", spec.path);
      this.created.set(name, body);
      return body as T;
    }
    if (spec.method === "PATCH" && !spec.path.endsWith("/status")) {
      if (this.failApplyWith && (!this.failApplyOf || spec.path.endsWith(this.failApplyOf)))
        throw this.failApplyWith;
      const body = structuredClone(spec.body) as KubernetesObject & { metadata: { generation?: number } };
      body.metadata.resourceVersion = String(this.rv++);
      if (body.kind === "Deployment") body.metadata.generation = 1;
      return body as T;
    }
    return {} as T;
  }

  count(method: string, pathPart = "") {
    return this.calls.filter((c) => c.method === method && c.path.includes(pathPart)).length;
  }
  applies() {
    return this.calls.filter((c) => c.method === "PATCH" && !c.path.endsWith("/status"));
  }
  statusWrites() {
    return this.calls
      .filter((c) => c.path.endsWith("/status"))
      .map((c) => (c.body as { status: TracardiStatus }).status);
  }
}

function setup(
  owner: Tracardi,
  licenceKey: string | null = licence(100),
  extra: Partial<ReconcilerDeps> = {},
) {
  const api = new FakeApi();
  if (licenceKey) {
    api.secret = {
      metadata: { name: "tracardi-license", namespace: "shop", resourceVersion: "7" },
      data: { "license-key": Buffer.from(licenceKey).toString("base64") },
    };
  }
  const tracardis = new MapCache<Tracardi>();
  tracardis.put(owner);
  const caches = {
    deployments: new MapCache<V1Deployment>(),
    services: new MapCache<KubernetesObject>(),
    configMaps: new MapCache<KubernetesObject>(),
    disruptionBudgets: new MapCache<KubernetesObject>(),
    autoscalers: new MapCache<V2HorizontalPodAutoscaler>(),
    secrets: new MapCache<V1Secret>(),
  };
  if (api.secret) caches.secrets.put({ metadata: api.secret.metadata } as V1Secret);
  const events: RecordedEvent[] = [];
  const pods = new MapCache<V1Pod>();
  const reconciler = new Reconciler({
    http: api,
    tracardis,
    ...caches,
    pods,
    license: { publicKey: pair.publicKey, warningDays: 14 },
    record: async (_, e) => {
      events.push(e);
    },
    onLicense: () => {},
    now: () => now,
    log: () => {},
    pipelineReader: () => fakePipelineReader(),
    ...extra,
  });
  return { api, reconciler, caches, events, tracardis, pods };
}

const owner = () => {
  const t = sampleTracardi();
  t.metadata.namespace = "shop";
  return t;
};

describe("Reconciler", () => {
  it("applies ConfigMap, Services and one Deployment per enabled component, then writes status once", async () => {
    // The pipeline's reads of Pulsar would requeue sooner than the licence timer this test looks at.
    const { api, reconciler } = setup(owner(), undefined, { pipelineIntervalMs: 1000 * 86_400_000 });
    const result = await reconciler.reconcile("shop/demo");
    expect(api.applies().map((c) => c.path)).toEqual([
      "/api/v1/namespaces/shop/configmaps/demo-config",
      "/api/v1/namespaces/shop/services/demo-public-api",
      "/api/v1/namespaces/shop/services/demo-private-api",
      "/api/v1/namespaces/shop/services/demo-fe-rj-gui",
      "/apis/apps/v1/namespaces/shop/deployments/demo-public-api",
      "/apis/apps/v1/namespaces/shop/deployments/demo-private-api",
      "/apis/apps/v1/namespaces/shop/deployments/demo-wk-pl-background",
      "/apis/apps/v1/namespaces/shop/deployments/demo-wk-apm",
      "/apis/apps/v1/namespaces/shop/deployments/demo-fe-rj-gui",
    ]);
    expect(
      api.applies().every((c) => c.query?.fieldManager === "tracardi-operator" && c.query?.force === "true"),
    ).toBe(true);
    const [status] = api.statusWrites();
    expect(status?.conditions?.find((c) => c.type === "Reconciled")?.status).toBe("True");
    expect(status?.conditions?.find((c) => c.type === "LicenseValid")?.reason).toBe("Valid");
    expect(status?.observedGeneration).toBe(3);
    // Re-check at the start of the 14-day warning window: 100 - 14 = 86 days (+1 s).
    expect(result.requeueAfterMs).toBe(86 * 86_400_000 + 1000);
  });

  it("creates the admin-token Secret and ConfigMap first, then applies every other child at once", async () => {
    const { api, reconciler } = setup(owner());
    api.answerLater = true;
    await reconciler.reconcile("shop/demo");
    const t = api.timeline;
    const at = (entry: string) => t.indexOf(entry);
    const mountedFirst = [
      "POST /api/v1/namespaces/shop/secrets",
      "PATCH /api/v1/namespaces/shop/configmaps/demo-config",
    ];
    const rest = t.filter((e) => e.startsWith("start PATCH") && /services|deployments/.test(e));
    expect(rest).toHaveLength(8);
    // Both what the pods mount are in flight together, and answered before any other child is sent.
    expect(Math.max(...mountedFirst.map((m) => at(`start ${m}`)))).toBeLessThan(
      Math.min(...mountedFirst.map((m) => at(`end ${m}`))),
    );
    const firstRest = Math.min(...rest.map(at));
    for (const m of mountedFirst) expect(at(`end ${m}`)).toBeLessThan(firstRest);
    // Every Service and Deployment is sent before the first of them is answered.
    const firstAnswer = t.findIndex((e) => e.startsWith("end PATCH") && /services|deployments/.test(e));
    expect(Math.max(...rest.map(at))).toBeLessThan(firstAnswer);
    expect(api.statusWrites()).toHaveLength(1);
  });

  it("one child's failed apply fails the reconcile only after its siblings' applies are answered", async () => {
    const { api, reconciler } = setup(owner());
    api.answerLater = true;
    api.failApplyOf = "/deployments/demo-public-api";
    api.failApplyWith = new KubeHttpError(500, '{"message":"etcdserver: request timed out"}', "PATCH", "/x");
    await expect(reconciler.reconcile("shop/demo")).rejects.toThrow("etcdserver: request timed out");
    const t = api.timeline;
    const statusWrite = t.findIndex((e) => e.startsWith("start PATCH") && e.endsWith("/status"));
    const siblings = t.filter((e) => e.startsWith("end PATCH") && /services|deployments/.test(e));
    expect(siblings).toHaveLength(8);
    for (const e of siblings) expect(t.indexOf(e)).toBeLessThan(statusWrite);
    const reconciled = api.statusWrites()[0]?.conditions?.find((c) => c.type === "Reconciled");
    expect(reconciled).toMatchObject({ status: "False", reason: "ApplyFailed" });
  });

  it("a resync with nothing changed makes no request at all", async () => {
    const { api, reconciler, caches } = setup(owner());
    await reconciler.reconcile("shop/demo");
    for (const secret of api.created.values()) caches.secrets.put({ metadata: secret.metadata } as V1Secret);
    // What the informers see after the applies: the fake's resourceVersions, generation 1 for Deployments.
    for (const [i, c] of api.applies().entries()) {
      const obj = c.body as KubernetesObject;
      if (obj.kind !== "Deployment") {
        const cache = obj.kind === "Service" ? caches.services : caches.configMaps;
        cache.put({ ...obj, metadata: { ...obj.metadata, resourceVersion: String(100 + i) } });
      } else {
        caches.deployments.put({ ...(obj as V1Deployment), metadata: { ...obj.metadata, generation: 1 } });
      }
    }
    api.calls = [];
    await reconciler.reconcile("shop/demo");
    expect(api.calls).toEqual([]);

    // A hand edit (kubectl scale bumps the generation) is re-applied, and only that object.
    const edited = caches.deployments.get("shop", "demo-wk-apm") as V1Deployment;
    caches.deployments.put({ ...edited, metadata: { ...edited.metadata, generation: 2 } });
    await reconciler.reconcile("shop/demo");
    expect(api.applies().map((c) => c.path)).toEqual([
      "/apis/apps/v1/namespaces/shop/deployments/demo-wk-apm",
    ]);
  });

  it("without spec.adminToken creates <name>-admin-token once, owned, and never overwrites it", async () => {
    const { api, reconciler, caches, events } = setup(owner());
    await reconciler.reconcile("shop/demo");
    expect(api.count("POST", "/secrets")).toBe(1);
    const secret = api.created.get("demo-admin-token");
    expect(secret?.metadata?.namespace).toBe("shop");
    expect(secret?.metadata?.ownerReferences).toEqual([
      expect.objectContaining({ uid: "uid-1", controller: true }),
    ]);
    const token = Buffer.from(secret?.data?.token ?? "", "base64").toString("utf8");
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Applied before any Deployment, so pods do not wait on a missing Secret.
    const order = api.calls.map((c) => c.method + c.path);
    expect(order.indexOf("POST/api/v1/namespaces/shop/secrets")).toBeLessThan(
      order.findIndex((c) => c.includes("/deployments/")),
    );

    // The informer has not seen it yet: the create is tried again, answered 409, and the token stays.
    await reconciler.reconcile("shop/demo");
    expect(api.count("POST", "/secrets")).toBe(2);
    expect(api.created.get("demo-admin-token")?.data?.token).toBe(secret?.data?.token);
    // Once the informer has it, no request at all.
    caches.secrets.put({ metadata: secret?.metadata } as V1Secret);
    await reconciler.reconcile("shop/demo");
    expect(api.count("POST", "/secrets")).toBe(2);
    // Neither status nor Events carry the token.
    expect(JSON.stringify([api.statusWrites(), events])).not.toContain(token);
  });

  it("with spec.adminToken creates no Secret", async () => {
    const t = owner();
    t.spec.adminToken = { secretRef: { name: "mine", key: "token" } };
    const { api, reconciler } = setup(t);
    await reconciler.reconcile("shop/demo");
    expect(api.count("POST", "/secrets")).toBe(0);
  });

  it("deletes the Deployment of a disabled component it owns, and nothing it does not own", async () => {
    const t = owner();
    t.spec.workers.apm.enabled = false;
    const { api, reconciler, caches } = setup(t);
    const ours = { apiVersion: "v1", kind: "Tracardi", name: "demo", uid: "uid-1", controller: true };
    caches.deployments.put({
      metadata: { name: "demo-wk-apm", namespace: "shop", uid: "d1", ownerReferences: [ours] },
    });
    // Left by an operator that still ran a workflow pod: flows run in the collector stage now.
    caches.deployments.put({
      metadata: { name: "demo-wk-pl-workflow", namespace: "shop", uid: "d3", ownerReferences: [ours] },
    });
    caches.deployments.put({
      metadata: {
        name: "demo-wk-pl-collector",
        namespace: "shop",
        uid: "d2",
        ownerReferences: [{ ...ours, uid: "someone-else" }],
      },
    });
    await reconciler.reconcile("shop/demo");
    const deletes = api.calls.filter((c) => c.method === "DELETE");
    expect(deletes.map((c) => c.path)).toEqual([
      "/apis/apps/v1/namespaces/shop/deployments/demo-wk-pl-workflow",
      "/apis/apps/v1/namespaces/shop/deployments/demo-wk-apm",
    ]);
    expect(deletes[1]?.body).toMatchObject({ preconditions: { uid: "d1" } });
  });

  it("a stored spec with Pulsar and the background worker off is InvalidSpec: nothing would store", async () => {
    const t = owner();
    t.spec.workers.background.enabled = false;
    const { api, reconciler } = setup(t);
    await expect(reconciler.reconcile("shop/demo")).rejects.toThrow("apply failed");
    expect(api.applies()).toEqual([]);
    const reconciled = api.statusWrites()[0]?.conditions?.find((c) => c.type === "Reconciled");
    expect(reconciled).toMatchObject({ status: "False", reason: "InvalidSpec" });
    expect(reconciled?.message).toContain(
      "spec.workers.background.enabled must be true when spec.pulsar is set",
    );
  });

  it("applies a PodDisruptionBudget for an API with replicas > 1 and deletes the one it owns otherwise", async () => {
    const t = owner();
    t.spec.api.public.replicas = 2;
    const { api, reconciler, caches } = setup(t);
    const ours = { apiVersion: "v1", kind: "Tracardi", name: "demo", uid: "uid-1", controller: true };
    caches.disruptionBudgets.put({
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: { name: "demo-private-api", namespace: "shop", uid: "p1", ownerReferences: [ours] },
    });
    await reconciler.reconcile("shop/demo");
    const pdbApplies = api.applies().filter((c) => c.path.includes("poddisruptionbudgets"));
    expect(pdbApplies.map((c) => c.path)).toEqual([
      "/apis/policy/v1/namespaces/shop/poddisruptionbudgets/demo-public-api",
    ]);
    expect(pdbApplies[0]?.body).toMatchObject({ spec: { maxUnavailable: 1 } });
    const deletes = api.calls.filter((c) => c.method === "DELETE");
    expect(deletes.map((c) => c.path)).toEqual([
      "/apis/policy/v1/namespaces/shop/poddisruptionbudgets/demo-private-api",
    ]);
    expect(deletes[0]?.body).toMatchObject({ preconditions: { uid: "p1" } });
  });

  it("reports a rejected apply as Reconciled=False/InvalidSpec and fails the reconcile for a retry", async () => {
    const { api, reconciler, events } = setup(owner());
    api.failApplyWith = new KubeHttpError(
      422,
      '{"message":"Deployment.apps is invalid: bad label"}',
      "PATCH",
      "/x",
    );
    await expect(reconciler.reconcile("shop/demo")).rejects.toThrow("apply failed");
    const reconciled = api.statusWrites()[0]?.conditions?.find((c) => c.type === "Reconciled");
    expect(reconciled).toMatchObject({ status: "False", reason: "InvalidSpec" });
    expect(reconciled?.message).toContain("bad label");
    expect(events).toContainEqual(expect.objectContaining({ type: "Warning", reason: "InvalidSpec" }));
  });

  it("a field the API server's schema lacks (server-side apply's 500) is InvalidSpec too", async () => {
    const { api, reconciler } = setup(owner());
    api.failApplyWith = new KubeHttpError(
      500,
      '{"message":"failed to create typed patch object (shop/demo-wk-apm; apps/v1, Kind=Deployment): .spec.template.spec.affinity.nodeAffinity.x: field not declared in schema"}',
      "PATCH",
      "/x",
    );
    await expect(reconciler.reconcile("shop/demo")).rejects.toThrow("apply failed");
    const reconciled = api.statusWrites()[0]?.conditions?.find((c) => c.type === "Reconciled");
    expect(reconciled).toMatchObject({ status: "False", reason: "InvalidSpec" });
    expect(reconciled?.message).toContain("nodeAffinity.x: field not declared in schema");
  });

  it("any other server error is ApplyFailed", async () => {
    const { api, reconciler } = setup(owner());
    api.failApplyWith = new KubeHttpError(500, '{"message":"etcdserver: request timed out"}', "PATCH", "/x");
    await expect(reconciler.reconcile("shop/demo")).rejects.toThrow("apply failed");
    const reconciled = api.statusWrites()[0]?.conditions?.find((c) => c.type === "Reconciled");
    expect(reconciled).toMatchObject({ status: "False", reason: "ApplyFailed" });
  });

  it("a refused apply (403) is Reconciled=False/Forbidden with the server's message naming the verb", async () => {
    const { api, reconciler } = setup(owner());
    const message =
      'deployments.apps \\"demo-public-api\\" is forbidden: User \\"op\\" cannot patch resource \\"deployments\\" in API group \\"apps\\" in the namespace \\"shop\\"';
    api.failApplyWith = new KubeHttpError(403, `{"message":"${message}"}`, "PATCH", "/x");
    await expect(reconciler.reconcile("shop/demo")).rejects.toThrow("apply failed");
    const reconciled = api.statusWrites()[0]?.conditions?.find((c) => c.type === "Reconciled");
    expect(reconciled).toMatchObject({ status: "False", reason: "Forbidden" });
    expect(reconciled?.message).toContain('cannot patch resource "deployments"');
  });

  it("a stored spec the runtime would refuse (Pulsar over http://) is InvalidSpec, and nothing is applied", async () => {
    const t = owner();
    t.spec.pulsar = { url: "http://pulsar:8080" };
    const { api, reconciler } = setup(t);
    await expect(reconciler.reconcile("shop/demo")).rejects.toThrow("apply failed");
    expect(api.applies()).toEqual([]);
    const reconciled = api.statusWrites()[0]?.conditions?.find((c) => c.type === "Reconciled");
    expect(reconciled).toMatchObject({ status: "False", reason: "InvalidSpec" });
    expect(reconciled?.message).toMatch(/spec.pulsar.url must be pulsar:\/\/host:6650.*spec.pulsar.webUrl/);
  });

  it("an expired licence: LicenseValid=False/Expired, Ready's reason, one Warning Event, no timer", async () => {
    const { api, reconciler, events } = setup(owner(), licence(-1));
    const result = await reconciler.reconcile("shop/demo");
    const status = api.statusWrites()[0];
    expect(status?.conditions?.find((c) => c.type === "LicenseValid")).toMatchObject({
      status: "False",
      reason: "Expired",
    });
    expect(status?.license).toMatchObject({ status: "Expired", daysRemaining: -1 });
    expect(events.filter((e) => e.reason === "Expired")).toHaveLength(1);
    // No licence timer: only PipelineFlowing's next read of Pulsar (the default interval).
    expect(result.requeueAfterMs).toBe(15_000);
    await reconciler.reconcile("shop/demo");
    expect(events.filter((e) => e.reason === "Expired")).toHaveLength(1);
  });

  it("a missing licence Secret → Missing, naming the Secret", async () => {
    const { api, reconciler } = setup(owner(), null);
    await reconciler.reconcile("shop/demo");
    const c = api.statusWrites()[0]?.conditions?.find((x) => x.type === "LicenseValid");
    expect(c).toMatchObject({ status: "False", reason: "Missing" });
    expect(c?.message).toContain("shop/tracardi-license");
  });

  it("does nothing for a deleted resource", async () => {
    const { api, reconciler, tracardis } = setup(owner());
    tracardis.items.clear();
    expect(await reconciler.reconcile("shop/demo")).toEqual({});
    expect(api.calls).toEqual([]);
  });

  it("PipelineFlowing: a Warning Event when the backlog finds no consumer, Ready follows, Recovered once it is consumed", async () => {
    const reader = fakePipelineReader({ storage: { backlog: 30 } });
    let clock = now.getTime();
    const { api, reconciler, events } = setup(owner(), licence(100), {
      pipelineReader: () => reader,
      now: () => new Date(clock),
    });
    await reconciler.reconcile("shop/demo");
    const first = api.statusWrites().at(-1);
    expect(first?.conditions?.find((c) => c.type === "PipelineFlowing")).toMatchObject({
      status: "False",
      reason: "NoConsumers",
      message: expect.stringContaining("Deployment demo-wk-pl-background (1 replica) should consume it"),
    });
    expect(events.filter((e) => e.reason === "NoConsumers")).toHaveLength(1);
    clock += 15_000;
    await reconciler.reconcile("shop/demo");
    expect(events.filter((e) => e.reason === "NoConsumers")).toHaveLength(1);
    reader.table.storage = { backlog: 0, consumers: 1 };
    clock += 15_000;
    await reconciler.reconcile("shop/demo");
    expect(
      api
        .statusWrites()
        .at(-1)
        ?.conditions?.find((c) => c.type === "PipelineFlowing")?.reason,
    ).toBe("Flowing");
    expect(events.map((e) => e.reason)).toContain("PipelineFlowingRecovered");
  });

  describe("autoscaled workers", () => {
    const autoscaled = () => {
      const t = owner();
      t.spec.workers.collector.enabled = true;
      t.spec.workers.collector.autoscaling = {
        ...DEFAULT_WORKER_AUTOSCALING,
        enabled: true,
        minReplicas: 1,
        maxReplicas: 5,
        targetBacklogPerReplica: 100,
      };
      return t;
    };
    const backlogOf = (collector: number): PipelineStats & { reads: number } => {
      const stats = {
        reads: 0,
        async stages(stages: readonly Topic[]): Promise<StageStats[]> {
          stats.reads++;
          return stages.map((stage) => ({
            stage,
            topic: `public/default/tracardi-${stage}`,
            subscription: `tracardi-${stage}`,
            exists: true,
            partitions: 0,
            backlog: stage === "collector" ? collector : 0,
            msgRateIn: 0,
            msgRateOut: 0,
            consumers: 0,
          }));
        },
      };
      return stats;
    };
    const collectorPath = "/apis/apps/v1/namespaces/shop/deployments/demo-wk-pl-collector";

    it("applies the Deployment without replicas, scales it by the backlog under its own field manager, and says so", async () => {
      const stats = backlogOf(250);
      const { api, reconciler, events } = setup(autoscaled(), licence(100), { pipelineStats: () => stats });
      const result = await reconciler.reconcile("shop/demo");
      const collectorWrites = api.calls.filter((c) => c.path === collectorPath);
      expect(collectorWrites.map((c) => c.query?.fieldManager)).toEqual([
        "tracardi-operator",
        "tracardi-operator-autoscaler",
      ]);
      const [main, scale] = collectorWrites;
      expect((main?.body as V1Deployment).spec).not.toHaveProperty("replicas");
      expect(scale?.body).toEqual({
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "demo-wk-pl-collector", namespace: "shop" },
        spec: { replicas: 2 },
      });
      const note =
        "demo-wk-pl-collector: backlog 250 > 100 per replica × 1 → 2 replicas (at most doubling per step; the backlog asks for 3)";
      expect(events).toContainEqual({ type: "Normal", reason: "ScaledUp", note, action: "Scale" });
      const [status] = api.statusWrites();
      expect(status?.autoscaling).toEqual({
        collector: {
          currentReplicas: 1,
          desiredReplicas: 2,
          backlog: 250,
          lastScaleTime: "2026-06-01T00:00:00Z",
          reason: note.replace("demo-wk-pl-collector: ", ""),
        },
      });
      expect(status?.backlog).toBe(250);
      expect(status?.components?.find((c) => c.name === "wk-pl-collector")?.desired).toBe(2);
      expect(result.requeueAfterMs).toBe(15_000);

      // Reconciled again within the interval (pod events do that): no read, no step.
      api.calls = [];
      await reconciler.reconcile("shop/demo");
      expect(stats.reads).toBe(1);
      expect(api.calls.filter((c) => c.query?.fieldManager === "tracardi-operator-autoscaler")).toEqual([]);
    });

    it("hands spec.replicas of an existing Deployment to the autoscaler before applying it without them", async () => {
      const stats = backlogOf(300);
      const { api, reconciler, caches, tracardis } = setup(autoscaled(), licence(100), {
        pipelineStats: () => stats,
      });
      caches.deployments.put({
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "demo-wk-pl-collector", namespace: "shop", generation: 4 },
        spec: { replicas: 3, selector: {}, template: {} },
      } as V1Deployment);
      await reconciler.reconcile("shop/demo");
      const writes = api.calls.filter((c) => c.path === collectorPath);
      // (then the step itself; this fake answers an apply with what was sent, so it sees 1 replica)
      expect(
        writes.slice(0, 2).map((c) => [c.query?.fieldManager, (c.body as V1Deployment).spec?.replicas]),
      ).toEqual([
        ["tracardi-operator-autoscaler", 3],
        ["tracardi-operator", undefined],
      ]);

      // Once: a later apply (the image changed) must not re-apply what may be a stale cached value.
      const changed = autoscaled();
      changed.spec.image = "tracardi/tracardi-ts:1.1.1";
      tracardis.put(changed);
      api.calls = [];
      await reconciler.reconcile("shop/demo");
      expect(api.calls.find((c) => c.path === collectorPath)?.query?.fieldManager).toBe("tracardi-operator");

      // Autoscaling off gives the field back to the spec; on again hands it over again.
      const off = autoscaled();
      off.spec.workers.collector.autoscaling = undefined;
      tracardis.put(off);
      api.calls = [];
      await reconciler.reconcile("shop/demo");
      expect((api.calls.find((c) => c.path === collectorPath)?.body as V1Deployment).spec?.replicas).toBe(1);
      tracardis.put(autoscaled());
      api.calls = [];
      await reconciler.reconcile("shop/demo");
      expect(api.calls.find((c) => c.path === collectorPath)?.query?.fieldManager).toBe(
        "tracardi-operator-autoscaler",
      );
    });

    it("leaves the replicas alone and says why when Pulsar does not answer", async () => {
      const failing: PipelineStats = {
        stages: async () => {
          throw new Error("Pulsar admin API at http://pulsar:8080/… does not answer: ECONNREFUSED");
        },
      };
      const { api, reconciler, events } = setup(autoscaled(), licence(100), { pipelineStats: () => failing });
      await reconciler.reconcile("shop/demo");
      expect(api.calls.filter((c) => c.query?.fieldManager === "tracardi-operator-autoscaler")).toEqual([]);
      expect(events.map((e) => e.reason)).not.toContain("ScaledUp");
      expect(api.statusWrites()[0]?.autoscaling?.collector).toEqual({
        currentReplicas: 1,
        desiredReplicas: 1,
        reason:
          "replicas unchanged: the backlog cannot be read: Pulsar admin API at http://pulsar:8080/… does not answer: ECONNREFUSED",
      });
    });

    it("reads the Pulsar token from spec.pulsar.tokenSecretRef, and again only when the Secret changed", async () => {
      const t = autoscaled();
      t.spec.pulsar = { url: "pulsar://pulsar:6650", tokenSecretRef: { name: "pulsar-token", key: "token" } };
      const tokens: (string | undefined)[] = [];
      let clock = now.getTime();
      const { api, reconciler } = setup(t, null, {
        pipelineStats: (connection) => {
          tokens.push(connection.token);
          expect(connection.webUrl).toBe("http://pulsar:8080");
          return backlogOf(0);
        },
        now: () => new Date(clock),
      });
      api.secret = {
        metadata: { name: "pulsar-token", namespace: "shop", resourceVersion: "9" },
        data: { token: Buffer.from("s3cret\n").toString("base64") },
      };
      await reconciler.reconcile("shop/demo");
      clock += 15_000;
      await reconciler.reconcile("shop/demo");
      expect(tokens).toEqual(["s3cret", "s3cret"]);
      expect(api.count("GET", "/secrets/pulsar-token")).toBe(2);
      expect(JSON.stringify(api.statusWrites())).not.toContain("s3cret");
    });
  });
});

describe("Reconciler: the runtime's own view", () => {
  const TOKEN = "s3cret-token";
  const readyPod = (component: "public-api" | "private-api", name: string) => {
    const p = pod(
      component,
      name,
      { ready: true, started: true, state: { running: {} } },
      {
        conditions: [{ type: "Ready", status: "True" }],
      },
    );
    if (p.metadata) p.metadata.namespace = "shop";
    return p;
  };
  const service = (name: string, ip: string, port: number) =>
    ({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name, namespace: "shop" },
      spec: { clusterIP: ip, ports: [{ port }] },
    }) as KubernetesObject;
  const metrics = (pod: string, fiveXX: number) =>
    [
      `tracardi_runtime_start_time_seconds{pod="${pod}"} ${now.getTime() / 1000 - 3600}`,
      `tracardi_http_requests_total{api="public",method="POST",route="/track",code="2xx"} 100`,
      `tracardi_http_requests_total{api="public",method="POST",route="/track",code="5xx"} ${fiveXX}`,
      `tracardi_http_server_errors_total{api="public",method="POST",route="/track",error="Error: boom"} ${fiveXX}`,
    ].join("\n");

  function stubRuntime(answers: { fiveXX: number }) {
    const calls: { url: string; headers: Record<string, string> }[] = [];
    const http: RuntimeHttp = {
      async get(url, headers) {
        calls.push({ url, headers });
        if (url === "http://10.96.0.2:8687/api/v1/status") {
          if (headers.authorization !== `Bearer ${TOKEN}`) return { status: 401, body: "{}" };
          return {
            status: 200,
            body: JSON.stringify({
              merging: {
                enabled: true,
                intervalSeconds: 5,
                lastPassAt: null,
                lastPassQueued: 0,
                lastPassBy: null,
                lastError: null,
                waiting: 4,
                waitingLimit: 1000,
              },
              backends: { searchDisk: { error: "search refused: HTTP 403" } },
            }),
          };
        }
        if (url === "http://10.96.0.1:8686/metrics")
          return { status: 200, body: metrics("pub-1", answers.fiveXX) };
        if (url === "http://10.96.0.2:8687/metrics") return { status: 200, body: metrics("priv-1", 0) };
        throw new Error(`unexpected ${url}`);
      },
    };
    return { http, calls };
  }

  /** The reconciler's `wake` calls: each says a look at the runtime finished. */
  function waker() {
    const state = { count: 0, waiters: [] as (() => void)[] };
    return {
      wake: () => {
        state.count++;
        for (const w of state.waiters.splice(0)) w();
      },
      looks: async (n: number) => {
        while (state.count < n) await new Promise<void>((resolve) => state.waiters.push(resolve));
      },
    };
  }

  function withServices(http: RuntimeHttp, clock?: () => Date) {
    const w = waker();
    const s = setup(owner(), licence(100), {
      runtimeView: { http, intervalMs: 30_000, wake: w.wake },
      // PipelineFlowing's reads are not what these tests look at: not due before the runtime's.
      pipelineIntervalMs: 60_000,
      ...(clock ? { now: clock } : {}),
    });
    s.caches.services.put(service("demo-public-api", "10.96.0.1", 8686));
    s.caches.services.put(service("demo-private-api", "10.96.0.2", 8687));
    s.caches.secrets.put({ metadata: { name: "demo-admin-token", namespace: "shop", resourceVersion: "1" } });
    s.api.secrets.set("demo-admin-token", {
      metadata: { name: "demo-admin-token", namespace: "shop", resourceVersion: "1" },
      data: { token: Buffer.from(TOKEN).toString("base64") },
    });
    return { ...s, looks: w.looks };
  }

  it("asks the private API's status with the admin token and both APIs' metrics over their Services", async () => {
    const runtime = stubRuntime({ fiveXX: 0 });
    const { reconciler, api, pods, looks } = withServices(runtime.http);
    pods.put(readyPod("public-api", "demo-public-api-1"));
    pods.put(readyPod("private-api", "demo-private-api-1"));
    await reconciler.reconcile("shop/demo");
    // The look runs beside the reconcile; when it is done, the key is queued again.
    expect(api.statusWrites()[0]?.conditions?.map((c) => c.type)).not.toContain("AutoMerging");
    await looks(1);
    const result = await reconciler.reconcile("shop/demo");
    expect(runtime.calls.map((c) => c.url).sort()).toEqual([
      "http://10.96.0.1:8686/metrics",
      "http://10.96.0.2:8687/api/v1/status",
      "http://10.96.0.2:8687/metrics",
    ]);
    const status = api.statusWrites().at(-1);
    const condition = (type: string) => status?.conditions?.find((c) => c.type === type);
    expect(condition("AutoMerging")).toMatchObject({ status: "False", reason: "Inactive" });
    expect(condition("AutoMerging")?.message).toContain(
      "4 profiles wait to be merged and no merge pass has run yet",
    );
    expect(condition("SearchDiskPressure")).toMatchObject({ status: "Unknown", reason: "StatusUnavailable" });
    expect(condition("APIsHealthy")).toMatchObject({ status: "True" });
    // Looked at again after the interval.
    expect(result.requeueAfterMs).toBe(30_000);
    // The token is read once; it appears in no status.
    expect(api.count("GET", "/secrets/demo-admin-token")).toBe(1);
    expect(JSON.stringify(api.statusWrites())).not.toContain(TOKEN);
  });

  it("asks no more than once per interval, and counts 5xx across looks", async () => {
    let clock = now.getTime();
    const runtime = stubRuntime({ fiveXX: 0 });
    const s = withServices(runtime.http, () => new Date(clock));
    const reconciler = s.reconciler;
    s.pods.put(readyPod("public-api", "demo-public-api-1"));
    s.pods.put(readyPod("private-api", "demo-private-api-1"));
    await reconciler.reconcile("shop/demo");
    await s.looks(1);
    await reconciler.reconcile("shop/demo");
    await reconciler.reconcile("shop/demo");
    expect(runtime.calls).toHaveLength(3);
    clock += 30_000;
    const failing = stubRuntime({ fiveXX: 10 });
    runtime.http.get = failing.http.get;
    await reconciler.reconcile("shop/demo");
    await s.looks(2);
    await reconciler.reconcile("shop/demo");
    const apis = s.api
      .statusWrites()
      .at(-1)
      ?.conditions?.find((c) => c.type === "APIsHealthy");
    expect(apis).toMatchObject({ status: "False", reason: "ServerErrors" });
    expect(apis?.message).toContain(
      "public API POST /track: 10 of 10 requests (100 %) answered 5xx, most often Error: boom (10)",
    );
  });

  it("reports why it cannot ask when no API pod is ready, without a request", async () => {
    const runtime = stubRuntime({ fiveXX: 0 });
    const { reconciler, api, looks } = withServices(runtime.http);
    await reconciler.reconcile("shop/demo");
    await looks(1);
    await reconciler.reconcile("shop/demo");
    expect(runtime.calls).toEqual([]);
    const conditions = api.statusWrites().at(-1)?.conditions ?? [];
    expect(conditions.find((c) => c.type === "AutoMerging")).toMatchObject({
      status: "Unknown",
      reason: "StatusUnavailable",
      message: "cannot ask the runtime: no private-api pod is ready behind Service demo-private-api",
    });
    expect(conditions.find((c) => c.type === "APIsHealthy")).toMatchObject({ status: "Unknown" });
  });

  it("never waits for a runtime that does not answer", async () => {
    let asked = 0;
    const hanging: RuntimeHttp = {
      get: () => {
        asked++;
        return new Promise(() => {});
      },
    };
    const { reconciler, api, pods } = withServices(hanging);
    pods.put(readyPod("public-api", "demo-public-api-1"));
    pods.put(readyPod("private-api", "demo-private-api-1"));
    const result = await reconciler.reconcile("shop/demo");
    expect(result.requeueAfterMs).toBe(30_000);
    expect(api.statusWrites()).toHaveLength(1);
    // Still looking: a second reconcile starts no second look.
    await reconciler.reconcile("shop/demo");
    expect(asked).toBe(3);
  });
});

describe("Reconciler: api.public.autoscaling", () => {
  const autoscaledOwner = (enabled: boolean) => {
    const t = owner();
    t.spec.api.public.autoscaling = {
      enabled,
      minReplicas: 1,
      maxReplicas: 5,
      targetCPUUtilizationPercentage: 80,
    };
    return t;
  };

  it("hands spec.replicas over to the autoscaler's field manager, then applies the Deployment without it and the HPA", async () => {
    const { api, reconciler, caches } = setup(autoscaledOwner(true));
    // The Deployment as it runs, scaled to 3 by someone (the HPA).
    caches.deployments.put({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "demo-public-api", namespace: "shop", generation: 4 },
      spec: { replicas: 3, selector: {}, template: {} },
    });
    await reconciler.reconcile("shop/demo");
    const patches = api.calls.filter(
      (c) => c.method === "PATCH" && c.path.endsWith("/deployments/demo-public-api"),
    );
    expect(patches.map((c) => c.query)).toEqual([
      { fieldManager: "tracardi-operator-autoscaler", force: "true" },
      { fieldManager: "tracardi-operator", force: "true" },
    ]);
    expect((patches[0]?.body as V1Deployment).spec).toEqual({ replicas: 3 });
    expect((patches[1]?.body as V1Deployment).spec).not.toHaveProperty("replicas");
    const hpa = api.applies().find((c) => c.path.includes("/horizontalpodautoscalers/"));
    expect(hpa?.path).toBe("/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers/demo-public-api");
    // Other Deployments keep their replicas and get no handover.
    const apm = api.applies().find((c) => c.path.endsWith("/deployments/demo-wk-apm"));
    expect((apm?.body as V1Deployment).spec?.replicas).toBe(1);
    expect(api.calls.filter((c) => c.query?.fieldManager === "tracardi-operator-autoscaler")).toHaveLength(1);
  });

  it("reports the replicas the autoscaler asked for as desired", async () => {
    const { api, reconciler, caches } = setup(autoscaledOwner(true));
    caches.deployments.put({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "demo-public-api", namespace: "shop", generation: 4 },
      spec: { replicas: 4, selector: {}, template: {} },
      status: { readyReplicas: 4 },
    });
    // The API server answers the apply with the live object, replicas as the HPA set them.
    const request = api.request.bind(api);
    api.request = async <T>(spec: Parameters<typeof request>[0]): Promise<T> => {
      const answer = await request<T>(spec);
      if (spec.path.endsWith("/deployments/demo-public-api") && spec.query?.force) {
        return {
          ...(answer as V1Deployment),
          spec: { ...(answer as V1Deployment).spec, replicas: 4 },
          status: { readyReplicas: 4 },
        } as T;
      }
      return answer;
    };
    await reconciler.reconcile("shop/demo");
    const status = api.statusWrites().at(-1);
    expect(status?.components?.find((c) => c.name === "public-api")).toMatchObject({ desired: 4, ready: 4 });
    expect(status?.publicApi).toBe("4/4");
  });

  it("deletes its HorizontalPodAutoscaler when autoscaling is turned off, and applies replicas again", async () => {
    const { api, reconciler, caches } = setup(autoscaledOwner(false));
    caches.autoscalers.put({
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: {
        name: "demo-public-api",
        namespace: "shop",
        uid: "hpa-uid",
        ownerReferences: [
          {
            apiVersion: "tracardi.io/v1alpha1",
            kind: "Tracardi",
            name: "demo",
            uid: "uid-1",
            controller: true,
          },
        ],
      },
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "demo-public-api" },
        maxReplicas: 4,
      },
    });
    await reconciler.reconcile("shop/demo");
    const deletes = api.calls.filter((c) => c.method === "DELETE");
    expect(deletes.map((c) => c.path)).toEqual([
      "/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers/demo-public-api",
    ]);
    const pub = api.applies().find((c) => c.path.endsWith("/deployments/demo-public-api"));
    expect((pub?.body as V1Deployment).spec?.replicas).toBe(1);
  });
});
