import type {
  V1ConfigMap,
  V1Deployment,
  V1Pod,
  V1PodDisruptionBudget,
  V1Secret,
  V1Service,
  V2HorizontalPodAutoscaler,
} from "@kubernetes/client-node";
import type { Tracardi } from "./api/types.js";
import { adminTokenRef } from "./controller/desired/admin-token.js";
import { LABEL_INSTANCE, LABEL_MANAGED_BY, MANAGED_BY } from "./controller/desired/labels.js";
import type { LicenseSettings } from "./controller/observe.js";
import { plainHttp } from "./controller/observe-runtime.js";
import { Reconciler } from "./controller/reconcile.js";
import type { KubeRequester, KubeWatcher } from "./kube/http.js";
import type { InformerOptions, KubeObject } from "./kube/informer.js";
import { NamespacedInformers } from "./kube/informers.js";
import { WorkQueue } from "./kube/queue.js";
import { EventRecorder } from "./kube/recorder.js";
import { RESOURCES } from "./kube/resources.js";
import type { Metrics } from "./metrics.js";
import { PulsarAdminPipelineStats } from "./pulsar/stats.js";

export interface ManagerOptions {
  /** Watch only these namespaces (one informer each); all namespaces when absent. */
  namespaces?: string[];
  concurrency: number;
  resyncMs: number;
  /** How often an autoscaled worker's backlog is read and a scaling step taken. */
  autoscaleIntervalMs: number;
  identity: string;
  license: LicenseSettings;
  /** How often a runtime is asked for its own view; 0: never. */
  diagnosticsMs: number;
  /** With leader election: whether we may still act (steps down when not). Checked before each reconcile. */
  leading?: () => boolean;
  log: (msg: string, err?: unknown) => void;
  debug?: (msg: string) => void;
  logError: (msg: string) => void;
}

const keyOf = (namespace: string | undefined, name: string | undefined) => `${namespace ?? ""}/${name ?? ""}`;

function ownerKey(obj: KubeObject): string | undefined {
  const ref = obj.metadata?.ownerReferences?.find((r) => r.controller && r.kind === "Tracardi");
  return ref ? keyOf(obj.metadata?.namespace, ref.name) : undefined;
}

/** What the manager needs of an informer, whatever it caches. */
interface RunningInformer {
  readonly resource: string;
  readonly lastEventAt: number;
  start(): Promise<void>;
  stop(): void;
  hasSynced(): boolean;
}

/** Wires informers → work queue → reconciler. Started only by the leader. */
export class Manager {
  private readonly informers: RunningInformer[] = [];
  readonly queue: WorkQueue;
  private readonly tracardis: NamespacedInformers<Tracardi>;
  private readonly reconciler: Reconciler;
  private resyncTimer: NodeJS.Timeout | undefined;
  private readonly generations = new Map<string, string>();
  private started = false;

  /**
   * `watcher` lists and watches; `http` carries every other request (the leader's guarded writes).
   */
  constructor(
    watcher: KubeWatcher,
    http: KubeRequester,
    private readonly metrics: Metrics,
    private readonly options: ManagerOptions,
  ) {
    const reported = new Set<string>();
    const make = <T extends KubeObject>(
      o: Omit<InformerOptions<T>, "onRestart" | "log" | "namespace" | "onForbidden">,
    ) => {
      const informer = new NamespacedInformers<T>(watcher, options.namespaces, {
        ...o,
        onRestart: () => metrics.informerRestarts.inc({ resource: o.resource.plural }),
        // Once per distinct refusal: the informer keeps retrying (RBAC may be granted later), but the
        // missing permission must be said plainly rather than look like a slow start.
        onForbidden: (message) => {
          metrics.permissionDenied.inc({ resource: o.resource.plural });
          if (reported.has(message)) return;
          reported.add(message);
          options.logError(
            `missing permission, waiting until it is granted (see manifests/ for the operator's RBAC): ${message}`,
          );
        },
        log: options.log,
      });
      this.informers.push(informer);
      return informer;
    };
    const managed = `${LABEL_MANAGED_BY}=${MANAGED_BY}`;
    this.tracardis = make<Tracardi>({ resource: RESOURCES.tracardi });
    const deployments = make<V1Deployment>({ resource: RESOURCES.deployment, labelSelector: managed });
    const pods = make<V1Pod>({ resource: RESOURCES.pod, labelSelector: managed });
    const services = make<V1Service>({ resource: RESOURCES.service, labelSelector: managed });
    const configMaps = make<V1ConfigMap>({ resource: RESOURCES.configMap, labelSelector: managed });
    const disruptionBudgets = make<V1PodDisruptionBudget>({
      resource: RESOURCES.podDisruptionBudget,
      labelSelector: managed,
    });
    const autoscalers = make<V2HorizontalPodAutoscaler>({
      resource: RESOURCES.horizontalPodAutoscaler,
      labelSelector: managed,
    });
    // Secrets are watched only to notice licence changes, through the metadata-only API: the server never
    // sends their data (a cluster's Helm release Secrets alone can be hundreds of MB). The licence key is
    // read by a GET of the one Secret a Tracardi names.
    const secrets = make<V1Secret>({
      resource: RESOURCES.secret,
      metadataOnly: true,
      // Annotations are dropped: kubectl's last-applied-configuration holds the data in clear text.
      transform: (s) => ({
        apiVersion: "v1",
        kind: "Secret",
        metadata: {
          name: s.metadata?.name,
          namespace: s.metadata?.namespace,
          uid: s.metadata?.uid,
          resourceVersion: s.metadata?.resourceVersion,
        },
      }),
    });

    const recorder = new EventRecorder(http, options.identity, options.log);
    this.reconciler = new Reconciler({
      http,
      tracardis: this.tracardis,
      deployments,
      services,
      configMaps,
      disruptionBudgets,
      autoscalers,
      pods,
      secrets,
      license: options.license,
      record: async (ref, event) => {
        metrics.eventsTotal.inc({ type: event.type, reason: event.reason });
        await recorder.record(ref, event);
      },
      onLicense: (ns, name, expires) => {
        if (expires) metrics.licenseExpiry.set({ namespace: ns, name }, expires.getTime() / 1000);
        else metrics.licenseExpiry.remove({ namespace: ns, name });
      },
      now: () => new Date(),
      log: options.log,
      ...(options.diagnosticsMs > 0
        ? {
            runtimeView: {
              http: plainHttp,
              intervalMs: options.diagnosticsMs,
              wake: (key: string) => this.queue.add(key),
            },
          }
        : {}),
      autoscaleIntervalMs: options.autoscaleIntervalMs,
      pipelineStats: (connection) =>
        new PulsarAdminPipelineStats(connection, async (url, init) => {
          try {
            const response = await fetch(url, init);
            metrics.pulsarAdminRequests.inc({ code: String(response.status) });
            return response;
          } catch (err) {
            metrics.pulsarAdminRequests.inc({ code: "error" });
            throw err;
          }
        }),
    });
    this.queue = new WorkQueue({
      concurrency: options.concurrency,
      backoff: { baseMs: 1000, maxMs: 300_000 },
      handler: async (key) => {
        if (options.leading && !options.leading()) return {};
        options.debug?.(`reconciling ${key}`);
        return await this.reconciler.reconcile(key);
      },
      onDepth: (depth) => metrics.queueDepth.set(depth),
      onDone: (key, outcome, seconds, err) => {
        metrics.reconcileTotal.inc({ result: outcome });
        metrics.reconcileDuration.observe(seconds);
        if (err) options.log(`reconcile ${key} failed (retry ${this.queue.retries(key)})`, err);
      },
    });

    this.tracardis.on((event, obj) => {
      const key = keyOf(obj.metadata.namespace, obj.metadata.name);
      if (event === "delete") {
        this.generations.delete(key);
        this.queue.forget(key);
        this.reconciler.forget(key);
        this.queue.add(key);
        return;
      }
      // Our own status writes bump resourceVersion but not generation: skip those.
      const state = `${obj.metadata.generation}|${obj.metadata.deletionTimestamp ?? ""}|${JSON.stringify(obj.metadata.labels ?? {})}`;
      if (event === "update" && this.generations.get(key) === state) return;
      this.generations.set(key, state);
      this.queue.add(key);
    });
    const byOwner = (_: string, obj: KubeObject) => {
      const key = ownerKey(obj);
      if (key) this.queue.add(key);
    };
    deployments.on(byOwner);
    services.on(byOwner);
    configMaps.on(byOwner);
    disruptionBudgets.on(byOwner);
    autoscalers.on(byOwner);
    pods.on((_, pod) => {
      const instance = pod.metadata?.labels?.[LABEL_INSTANCE];
      if (instance) this.queue.add(keyOf(pod.metadata?.namespace, instance));
    });
    secrets.on((_, secret) => {
      for (const t of this.tracardis.list(secret.metadata?.namespace)) {
        const name = secret.metadata?.name;
        if (name === t.spec.license?.secretRef?.name || name === adminTokenRef(t).name)
          this.queue.add(keyOf(t.metadata.namespace, t.metadata.name));
      }
    });
  }

  /** Refreshes gauges that are read rather than counted (called before each /metrics scrape). */
  updateGauges(): void {
    const now = Date.now();
    for (const i of this.informers) {
      if (i.hasSynced())
        this.metrics.informerLastEventAge.set({ resource: i.resource }, (now - i.lastEventAt) / 1000);
    }
  }

  hasSynced(): boolean {
    return this.started && this.informers.every((i) => i.hasSynced());
  }

  async start(): Promise<void> {
    this.started = true;
    await Promise.all(this.informers.map((i) => i.start()));
    this.options.log(`caches synced; reconciling ${this.tracardis.list().length} Tracardi resources`);
    this.resyncTimer = setInterval(() => {
      for (const t of this.tracardis.list()) this.queue.add(keyOf(t.metadata.namespace, t.metadata.name));
    }, this.options.resyncMs);
    this.resyncTimer.unref();
  }

  async stop(): Promise<void> {
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    this.queue.stop();
    for (const i of this.informers) i.stop();
    await this.queue.idle();
  }
}
