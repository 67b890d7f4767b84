import type {
  KubernetesObject,
  V1ConfigMap,
  V1Deployment,
  V1Pod,
  V1PodDisruptionBudget,
  V1Secret,
  V1Service,
  V2HorizontalPodAutoscaler,
} from "@kubernetes/client-node";
import { errorMessage } from "../../runtime/error-message.js";
import { nextLicenseTransition } from "../../runtime/license/index.js";
import type { ComponentName } from "../api/components.js";
import { API_VERSION, KIND, type Tracardi, type TracardiStatus } from "../api/types.js";
import { specProblems } from "../api/validate.js";
import { applyReplicas, applyStatus, createObject, deleteObject, serverSideApply } from "../kube/apply.js";
import { isStatus, KubeHttpError, type KubeRequester } from "../kube/http.js";
import type { ReconcileResult } from "../kube/queue.js";
import type { ObjectRef, RecordedEvent } from "../kube/recorder.js";
import { RESOURCES, type ResourceRef } from "../kube/resources.js";
import { SharedPipelineStats } from "../pulsar/shared.js";
import { type PipelineStats, type PulsarAdminConnection, PulsarAdminPipelineStats } from "../pulsar/stats.js";
import { type AppliedRecord, fingerprint, recordApplied, upToDate } from "./applied.js";
import { type AutoscaleOutcome, Autoscaler } from "./autoscale/autoscaler.js";
import {
  adminTokenRef,
  childName,
  desiredState,
  generatedAdminTokenName,
  generatedAdminTokenSecret,
  LABEL_INSTANCE,
  newAdminToken,
  planComponents,
} from "./desired/index.js";
import { type ApiMetricsView, diagnoseApis } from "./diagnose/apis.js";
import { diagnoseAutoMerging } from "./diagnose/auto-merging.js";
import { diagnoseBackends, diskWatermarkReports, type UnreadyPodLog } from "./diagnose/backends.js";
import { diagnoseLicense, type LicenseObservation } from "./diagnose/license.js";
import { mergeOOMHistory, type OOMKill, observeOOMKills } from "./diagnose/oom.js";
import { diagnosePipeline, type PipelineObservation } from "./diagnose/pipeline.js";
import { type ComponentObservation, diagnosePods, podsOf } from "./diagnose/pods.js";
import { type ApplyOutcome, diagnoseReconciled } from "./diagnose/reconciled.js";
import { addSample, parseRequestMetrics, type TimedSample } from "./diagnose/request-metrics.js";
import type { RuntimeStatusView } from "./diagnose/runtime-view.js";
import { diagnoseSearchDisk } from "./diagnose/search-disk.js";
import type { CheckResult } from "./diagnose/types.js";
import { diagnoseWorkflow } from "./diagnose/workflow.js";
import { eventsFromTransitions } from "./events.js";
import {
  checkLicense,
  type LicenseKeyRead,
  type LicenseSettings,
  readLicenseKey,
  readSecretValue,
  readUnreadyLogs,
  type SecretRead,
  unreadyPods,
} from "./observe.js";
import { type PipelineReader, PipelineWatch } from "./observe-pipeline.js";
import { type RuntimeHttp, readMetrics, readRuntimeStatus, serviceTarget } from "./observe-runtime.js";
import { buildStatus, sameStatus } from "./status.js";

export interface Cache<T> {
  get(namespace: string, name: string): T | undefined;
  list(namespace?: string): T[];
}

export interface ReconcilerDeps {
  http: KubeRequester;
  tracardis: Cache<Tracardi>;
  deployments: Cache<V1Deployment>;
  services: Cache<V1Service>;
  configMaps: Cache<V1ConfigMap>;
  disruptionBudgets: Cache<V1PodDisruptionBudget>;
  /** HorizontalPodAutoscalers the operator owns (api.public.autoscaling). */
  autoscalers: Cache<V2HorizontalPodAutoscaler>;
  pods: Cache<V1Pod>;
  /** Metadata only: tells whether the licence Secret changed since it was last read, and whether the generated admin-token Secret exists. */
  secrets: Cache<V1Secret>;
  license: LicenseSettings;
  record: (regarding: ObjectRef, event: RecordedEvent) => Promise<void>;
  onLicense: (namespace: string, name: string, expires: Date | undefined) => void;
  now: () => Date;
  log: (msg: string, err?: unknown) => void;
  /** Asks the runtime for its own view every `intervalMs` (AutoMerging, APIsHealthy, SearchDiskPressure); absent: not asked. */
  runtimeView?: { http: RuntimeHttp; intervalMs: number; wake: (key: string) => void };
  /** Where autoscaling reads the backlog; by default the shared reads of `pipelineReader`. */
  pipelineStats?: (connection: PulsarAdminConnection) => PipelineStats;
  /** How often an autoscaled worker's backlog is read and a scaling step taken (default 15 s). */
  autoscaleIntervalMs?: number;
  /** Where autoscaling and PipelineFlowing read stages and dead letters; Pulsar's admin API by default. */
  pipelineReader?: (connection: PulsarAdminConnection) => PipelineReader;
  /** How often PipelineFlowing reads Pulsar per Tracardi (default: the autoscaling interval). */
  pipelineIntervalMs?: number;
}

/** What the runtime said about itself at the last look. */
interface RuntimeView {
  at: number;
  status: RuntimeStatusView;
  apis: ApiMetricsView;
}

export const DEFAULT_AUTOSCALE_INTERVAL_MS = 15_000;

const DAY_MS = 86_400_000;
/** While pods are unready, look at their logs again this often: the reason may be logged after the probe fails. */
const UNREADY_RECHECK_MS = 30_000;

function ownedBy(obj: KubernetesObject, owner: Tracardi): boolean {
  return (obj.metadata?.ownerReferences ?? []).some((r) => r.controller && r.uid === owner.metadata.uid);
}

/**
 * Whether the API server refused what the spec asks for: invalid (422) or malformed (400), or a field
 * its schema lacks, which server-side apply answers with a 500 "failed to create typed patch object"
 * (a pass-through field of spec.scheduling, e.g. a misspelt affinity key).
 */
function rejectsSpec(err: unknown): boolean {
  if (isStatus(err, 422) || isStatus(err, 400)) return true;
  return (
    err instanceof KubeHttpError &&
    err.status === 500 &&
    err.message.includes("failed to create typed patch object")
  );
}

/**
 * Waits for every promise, then fails with the first failure in the given order: requests started
 * together are never left running behind a reconcile that already reported.
 */
async function settleAll(promises: readonly Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
}

/** reconcile(key): read → desired → apply → delete disabled → observe → status (+ events on transitions). */
export class Reconciler {
  private readonly oomHistory = new Map<string, OOMKill[]>();
  private readonly lastStatus = new Map<string, TracardiStatus>();
  private readonly applied = new Map<string, AppliedRecord>();
  /** Autoscaled Deployments (`namespace/name`) whose spec.replicas this process gave the autoscaler's manager. */
  private readonly replicasHandedOver = new Set<string>();
  private readonly licenseKeys = new Map<string, LicenseKeyRead & { found: true }>();
  private readonly adminTokens = new Map<string, LicenseKeyRead & { found: true }>();
  private readonly requestHistory = new Map<string, TimedSample[]>();
  private readonly runtimeViews = new Map<string, RuntimeView>();
  /** Keys whose runtime is being asked right now. */
  private readonly looking = new Set<string>();
  private readonly pulsarTokens = new Map<string, SecretRead & { found: true }>();
  private readonly autoscaler: Autoscaler;
  private readonly pipeline: PipelineWatch;

  constructor(private readonly deps: ReconcilerDeps) {
    // Autoscaling and PipelineFlowing read the same subscriptions in one reconcile: one request per stage.
    const shared = new SharedPipelineStats(
      () => deps.now().getTime(),
      1000,
      deps.pipelineReader ?? ((connection) => new PulsarAdminPipelineStats(connection)),
    );
    this.pipeline = new PipelineWatch({
      reader: (connection) => shared.for(connection),
      intervalMs: deps.pipelineIntervalMs ?? deps.autoscaleIntervalMs ?? DEFAULT_AUTOSCALE_INTERVAL_MS,
    });
    this.autoscaler = new Autoscaler({
      pipelineStats: deps.pipelineStats ?? ((connection) => shared.for(connection)),
      scale: (namespace, name, replicas) => applyReplicas<V1Deployment>(deps.http, namespace, name, replicas),
      intervalMs: deps.autoscaleIntervalMs ?? DEFAULT_AUTOSCALE_INTERVAL_MS,
    });
  }

  forget(key: string): void {
    this.autoscaler.forget(key);
    this.pipeline.forget(key);
    this.oomHistory.delete(key);
    this.lastStatus.delete(key);
    this.requestHistory.delete(key);
    this.runtimeViews.delete(key);
    this.looking.delete(key);
    const [ns, name] = key.split("/");
    for (const id of this.applied.keys()) if (id.includes(`/${ns}/${name}-`)) this.applied.delete(id);
    for (const id of this.replicasHandedOver)
      if (id.startsWith(`${ns}/${name}-`)) this.replicasHandedOver.delete(id);
  }

  /**
   * Server-side apply, skipped when the live object is still what we last applied (no request at rest).
   * `beforeApply` runs first whenever the object is about to be applied (with the live object, if any).
   */
  private async ensure<T extends KubernetesObject>(
    desired: T,
    cache: Cache<T>,
    beforeApply?: (live: T | undefined) => Promise<void>,
  ): Promise<T> {
    const ns = desired.metadata?.namespace ?? "";
    const name = desired.metadata?.name ?? "";
    const id = `${desired.kind}/${ns}/${name}`;
    const hash = fingerprint(desired);
    const live = cache.get(ns, name);
    if (live && upToDate(this.applied.get(id), hash, live)) return live;
    if (beforeApply) await beforeApply(live);
    const result = await serverSideApply(this.deps.http, desired);
    this.applied.set(id, recordApplied(hash, result));
    return result;
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const [namespace = "", name = ""] = key.split("/");
    const owner = this.deps.tracardis.get(namespace, name);
    if (!owner || owner.metadata.deletionTimestamp) {
      // Children carry owner references: the garbage collector removes them.
      this.forget(key);
      this.deps.onLicense(namespace, name, undefined);
      return {};
    }
    const now = this.deps.now();

    // The licence first: its key's hash goes into the pod template (a renewed key rolls the pods).
    const { observation: license, key: licenseKey } = await this.observeLicenseSafely(owner, now);
    const { outcome, deployments } = await this.apply(owner, licenseKey);
    // Autoscaling and PipelineFlowing read Pulsar with the same token: one Secret read at most.
    let token: Promise<string | undefined> | undefined;
    const pulsarToken = () => {
      token ??= this.pulsarToken(owner);
      return token;
    };
    const autoscale = await this.autoscale(owner, deployments, outcome, now, pulsarToken);
    const pipeline = await this.pipeline.observe(
      owner,
      (name) => deployments.get(name) ?? this.deps.deployments.get(namespace, name),
      now,
      pulsarToken,
    );
    const pods = this.instancePods(owner);
    const unready = unreadyPods(pods);
    const backendLogs = await readUnreadyLogs(this.deps.http, unready, this.deps.log);
    const view = this.runtimeView(key, owner, pods, now);
    const status = this.diagnose(
      key,
      owner,
      pods,
      deployments,
      license,
      backendLogs,
      outcome,
      autoscale,
      pipeline.observation,
      now,
      view,
    );

    const previous = this.lastStatus.get(key) ?? owner.status;
    const ref = { apiVersion: API_VERSION, kind: KIND, namespace, name, uid: owner.metadata.uid };
    if (!sameStatus(previous, status)) {
      await applyStatus(this.deps.http, RESOURCES.tracardi, namespace, name, status);
      this.lastStatus.set(key, status);
      for (const e of eventsFromTransitions(previous?.conditions, status.conditions ?? [])) {
        await this.deps.record(ref, { ...e, action: "Reconcile" });
      }
    }
    for (const e of autoscale.events) await this.deps.record(ref, { ...e, action: "Scale" });

    if (!outcome.ok) throw new Error(`apply failed for ${key}: ${outcome.message}`);
    const requeues = [
      this.licenseRequeue(license, now),
      autoscale.requeueAfterMs,
      pipeline.requeueAfterMs,
      // The runtime is asked again after this long.
      this.deps.runtimeView?.intervalMs || undefined,
    ];
    if (unready.length > 0) requeues.push(UNREADY_RECHECK_MS);
    const due = requeues.filter((ms): ms is number => ms !== undefined);
    return { requeueAfterMs: due.length > 0 ? Math.min(...due) : undefined };
  }

  /** One autoscaling step for the autoscaled workers (none while the spec cannot be applied). */
  private async autoscale(
    owner: Tracardi,
    deployments: Map<string, V1Deployment>,
    outcome: ApplyOutcome,
    now: Date,
    token: () => Promise<string | undefined>,
  ): Promise<AutoscaleOutcome> {
    if (!outcome.ok) return { events: [], scaled: [] };
    const ns = owner.metadata.namespace;
    const result = await this.autoscaler.step(
      owner,
      (name) => deployments.get(name) ?? this.deps.deployments.get(ns, name),
      now,
      token,
    );
    for (const { before, after } of result.scaled) {
      deployments.set(after.metadata?.name ?? "", after);
      this.noteOwnWrite(before, after);
    }
    return result;
  }

  /**
   * The autoscaler's change of spec.replicas bumps the Deployment's generation; what we applied is
   * still in place, so move our record along rather than re-apply it at the next reconcile.
   */
  private noteOwnWrite(before: KubernetesObject, after: KubernetesObject): void {
    const id = `${after.kind ?? "Deployment"}/${after.metadata?.namespace}/${after.metadata?.name}`;
    const record = this.applied.get(id);
    const generation = (o: KubernetesObject) =>
      (o.metadata as { generation?: number } | undefined)?.generation;
    if (!record || record.generation === undefined || record.generation !== generation(before)) return;
    const next = generation(after);
    if (next !== undefined) record.generation = next;
  }

  /** The Pulsar token (spec.pulsar.tokenSecretRef), read again only when its Secret changed. */
  private async pulsarToken(owner: Tracardi): Promise<string | undefined> {
    const ref = owner.spec.pulsar?.tokenSecretRef;
    if (!ref) return undefined;
    const ns = owner.metadata.namespace;
    const id = `${ns}/${ref.name}/${ref.key}`;
    const memo = this.pulsarTokens.get(id);
    if (memo && this.deps.secrets.get(ns, ref.name)?.metadata?.resourceVersion === memo.resourceVersion)
      return memo.value;
    const read = await readSecretValue(this.deps.http, ns, ref, "spec.pulsar.tokenSecretRef");
    if (!read.found) {
      this.pulsarTokens.delete(id);
      throw new Error(read.message);
    }
    this.pulsarTokens.set(id, read);
    return read.value;
  }

  private async apply(
    owner: Tracardi,
    licenseKey: string | undefined,
  ): Promise<{ outcome: ApplyOutcome; deployments: Map<string, V1Deployment> }> {
    const deployments = new Map<string, V1Deployment>();
    const problems = specProblems(owner.spec);
    if (problems.length > 0)
      return { outcome: { ok: false, reason: "InvalidSpec", message: problems.join("; ") }, deployments };
    const desired = desiredState(
      owner,
      { licensePublicKey: this.deps.license.publicKey },
      licenseKey === undefined ? {} : { licenseKey },
    );
    const ns = owner.metadata.namespace;
    try {
      // What the pods mount first, so they never start without it; then every other child at once:
      // one reconcile costs about two API round trips instead of one per child.
      await settleAll([
        this.ensureAdminTokenSecret(owner),
        this.ensure(desired.configMap, this.deps.configMaps),
      ]);
      const applies: Promise<unknown>[] = [
        ...desired.services.map((svc) => this.ensure(svc, this.deps.services)),
        ...desired.deployments.map(async (d) => {
          const live = await this.ensure(d, this.deps.deployments, (current) =>
            this.handOverReplicas(d, current),
          );
          deployments.set(live.metadata?.name ?? "", live);
        }),
        ...desired.disruptionBudgets.map((pdb) => this.ensure(pdb, this.deps.disruptionBudgets)),
        ...desired.autoscalers.map((hpa) => this.ensure(hpa, this.deps.autoscalers)),
      ];
      await settleAll(applies);
      const applied = 1 + applies.length;
      await settleAll([
        ...desired.withoutAutoscaler.map((component) =>
          this.deleteOwned(RESOURCES.horizontalPodAutoscaler, this.deps.autoscalers, owner, component),
        ),
        ...desired.disabled.map((component) =>
          this.deleteOwned(RESOURCES.deployment, this.deps.deployments, owner, component),
        ),
        ...desired.withoutService.map((component) =>
          this.deleteOwned(RESOURCES.service, this.deps.services, owner, component),
        ),
        ...desired.withoutDisruptionBudget.map((component) =>
          this.deleteOwned(RESOURCES.podDisruptionBudget, this.deps.disruptionBudgets, owner, component),
        ),
      ]);
      return { outcome: { ok: true, applied }, deployments };
    } catch (err) {
      const invalid = rejectsSpec(err);
      // 403: the operator's RBAC lacks a verb; the server's message names it, the resource and the namespace.
      const reason = invalid ? "InvalidSpec" : isStatus(err, 403) ? "Forbidden" : "ApplyFailed";
      return { outcome: { ok: false, reason, message: errorMessage(err) }, deployments };
    }
  }

  /**
   * An autoscaled Deployment is applied without spec.replicas. Server-side apply removes a field its
   * last owner stops applying (the API server would then default replicas to 1), so the autoscaler's
   * field manager first takes the field over at its current value. Once per Deployment and process:
   * later, the cache may lag behind the autoscaler's own writes, and a stale value must not be re-applied.
   * A Deployment applied with replicas (autoscaling off) is the main manager's again.
   */
  private async handOverReplicas(desired: V1Deployment, live: V1Deployment | undefined): Promise<void> {
    const ns = desired.metadata?.namespace ?? "";
    const name = desired.metadata?.name ?? "";
    const id = `${ns}/${name}`;
    if (desired.spec?.replicas !== undefined) {
      this.replicasHandedOver.delete(id);
      return;
    }
    if (this.replicasHandedOver.has(id)) return;
    // A Deployment created without the field was never the main manager's.
    if (live) await applyReplicas(this.deps.http, ns, name, live.spec?.replicas ?? 1);
    this.replicasHandedOver.add(id);
  }

  /** Deletes the component's child of this kind if it exists and is ours (a uid precondition guards races). */
  private async deleteOwned(
    ref: ResourceRef,
    cache: Cache<KubernetesObject>,
    owner: Tracardi,
    component: ComponentName,
  ): Promise<void> {
    const ns = owner.metadata.namespace;
    const existing = cache.get(ns, childName(owner.metadata.name, component));
    if (!existing || !ownedBy(existing, owner)) return;
    try {
      await deleteObject(this.deps.http, ref, ns, existing.metadata?.name ?? "", existing.metadata?.uid);
    } catch (err) {
      if (!isStatus(err, 404) && !isStatus(err, 409)) throw err;
    }
  }

  /**
   * Without spec.adminToken, creates `<name>-admin-token` once with a fresh token. Create, never apply:
   * an existing Secret (generated earlier, or made by hand under that name) keeps its token.
   */
  private async ensureAdminTokenSecret(owner: Tracardi): Promise<void> {
    if (owner.spec.adminToken) return;
    const ns = owner.metadata.namespace;
    if (this.deps.secrets.get(ns, generatedAdminTokenName(owner.metadata.name))) return;
    const secret = generatedAdminTokenSecret(owner, newAdminToken());
    if (!secret) return;
    try {
      await createObject(this.deps.http, secret);
    } catch (err) {
      if (!isStatus(err, 409)) throw err;
    }
  }

  /**
   * The licence as the Secret holds it, and its key for the pod template. When the Secret cannot be
   * read (API error), the last key read stands in, so a passing error never rolls the pods.
   */
  private async observeLicenseSafely(
    owner: Tracardi,
    now: Date,
  ): Promise<{ observation: LicenseObservation; key: string | undefined }> {
    const { name, key } = owner.spec.license.secretRef;
    const ns = owner.metadata.namespace;
    const id = `${ns}/${name}/${key}`;
    const memo = this.licenseKeys.get(id);
    try {
      const current = this.deps.secrets.get(ns, name)?.metadata?.resourceVersion;
      let read: LicenseKeyRead;
      if (memo && current === memo.resourceVersion) {
        read = memo;
      } else {
        read = await readLicenseKey(this.deps.http, owner);
        if (read.found) this.licenseKeys.set(id, read);
        else this.licenseKeys.delete(id);
      }
      return {
        observation: checkLicense(read, this.deps.license, now),
        key: read.found ? read.value : undefined,
      };
    } catch (err) {
      return {
        observation: {
          state: "missing",
          message: `could not read the licence Secret: ${errorMessage(err)}`,
        },
        key: memo?.value,
      };
    }
  }

  /** The pods of this Tracardi, every component. */
  private instancePods(owner: Tracardi): V1Pod[] {
    return this.deps.pods
      .list(owner.metadata.namespace)
      .filter((p) => p.metadata?.labels?.[LABEL_INSTANCE] === owner.metadata.name);
  }

  private diagnose(
    key: string,
    owner: Tracardi,
    pods: V1Pod[],
    applied: Map<string, V1Deployment>,
    licenseObs: LicenseObservation,
    backendLogs: UnreadyPodLog[],
    outcome: ApplyOutcome,
    autoscale: AutoscaleOutcome,
    pipeline: PipelineObservation,
    now: Date,
    view: RuntimeView | undefined,
  ): TracardiStatus {
    const ns = owner.metadata.namespace;
    const observations: ComponentObservation[] = planComponents(owner.spec)
      .filter((p) => p.enabled)
      .map((p) => {
        const depName = childName(owner.metadata.name, p.info.name);
        const deployment = applied.get(depName) ?? this.deps.deployments.get(ns, depName);
        const obs: ComponentObservation = {
          name: p.info.name,
          // An autoscaled worker wants what the autoscaler last set.
          desired: p.autoscaled ? (deployment?.spec?.replicas ?? p.replicas) : p.replicas,
          pods: podsOf(pods, p.info.name),
        };
        if (deployment) obs.deployment = deployment;
        return obs;
      });
    const history = mergeOOMHistory(this.oomHistory.get(key) ?? [], observeOOMKills(pods), now);
    this.oomHistory.set(key, history);
    const podsDiagnosis = diagnosePods(observations, history);
    const license = diagnoseLicense(licenseObs);
    if (licenseObs.state === "checked")
      this.deps.onLicense(ns, owner.metadata.name, licenseObs.check.expires);
    return buildStatus({
      previous: this.lastStatus.get(key) ?? owner.status,
      generation: owner.metadata.generation ?? 0,
      now,
      checks: [
        diagnoseReconciled(outcome, owner.metadata.generation ?? 0),
        license.condition,
        diagnoseBackends(backendLogs),
        podsDiagnosis.condition,
        diagnosePipeline(pipeline, ns),
        diagnoseWorkflow(owner.spec),
        ...this.runtimeChecks(owner, view, now, backendLogs),
      ],
      components: podsDiagnosis.components,
      license: license.status,
      ...(autoscale.status ? { autoscaling: autoscale.status } : {}),
      ...(autoscale.backlog !== undefined ? { backlog: autoscale.backlog } : {}),
    });
  }

  private runtimeChecks(
    owner: Tracardi,
    view: RuntimeView | undefined,
    now: Date,
    backendLogs: UnreadyPodLog[],
  ): CheckResult[] {
    if (!view) return [];
    return [
      diagnoseSearchDisk(view.status, diskWatermarkReports(backendLogs)),
      diagnoseApis(view.apis, now),
      diagnoseAutoMerging(owner.spec.workers.apm.enabled, view.status, now),
    ];
  }

  /**
   * The runtime's last view, and a new look started in the background when it is older than the
   * interval: a runtime that does not answer (pods down, an unroutable Service) must never hold up a
   * reconcile. When the look is done, `wake` queues the key again so the status shows it.
   */
  private runtimeView(key: string, owner: Tracardi, pods: V1Pod[], now: Date): RuntimeView | undefined {
    const settings = this.deps.runtimeView;
    if (!settings) return undefined;
    const last = this.runtimeViews.get(key);
    // A little slack, so a requeue that fires a moment early still looks.
    const stale = !last || now.getTime() - last.at >= settings.intervalMs * 0.9;
    if (stale && !this.looking.has(key)) {
      this.looking.add(key);
      this.lookAtRuntime(key, owner, pods, now, settings.http)
        .then((view) => {
          // Forgotten meanwhile (the Tracardi was deleted): drop the answer.
          if (!this.looking.has(key)) return;
          this.runtimeViews.set(key, view);
          settings.wake(key);
        })
        .catch((err: unknown) => this.deps.log(`asking the runtime of ${key} failed`, err))
        .finally(() => this.looking.delete(key));
    }
    return last;
  }

  /** One look: the private API's status with the admin token and both APIs' metrics, over their Services. */
  private async lookAtRuntime(
    key: string,
    owner: Tracardi,
    pods: V1Pod[],
    now: Date,
    http: RuntimeHttp,
  ): Promise<RuntimeView> {
    const ns = owner.metadata.namespace;
    const target = (role: "public" | "private") =>
      serviceTarget(
        owner,
        role,
        this.deps.services.get(ns, childName(owner.metadata.name, `${role}-api`)),
        pods,
      );
    const privateApi = target("private");
    const publicApi = target("public");
    const token = "error" in privateApi ? { error: privateApi.error } : await this.adminToken(owner);
    const [status, publicMetrics, privateMetrics] = await Promise.all([
      readRuntimeStatus(http, privateApi, token),
      readMetrics(http, publicApi),
      readMetrics(http, privateApi),
    ]);
    let history = this.requestHistory.get(key) ?? [];
    const unread: string[] = [];
    for (const [component, metrics] of [
      ["public-api", publicMetrics],
      ["private-api", privateMetrics],
    ] as const) {
      if ("error" in metrics) {
        unread.push(`${component}: ${metrics.error}`);
        continue;
      }
      const sample = parseRequestMetrics(metrics.text);
      if (sample === null)
        unread.push(`${component}: its /metrics has no request counters (an older image?)`);
      else history = addSample(history, { at: now.getTime(), sample });
    }
    this.requestHistory.set(key, history);
    return { at: now.getTime(), status, apis: { history, unread, asked: 2 } };
  }

  /** The private API's token: `spec.adminToken` or the generated Secret, read again only when it changed. */
  private async adminToken(owner: Tracardi): Promise<{ value: string } | { error: string }> {
    const ns = owner.metadata.namespace;
    const ref = adminTokenRef(owner);
    const id = `${ns}/${ref.name}/${ref.key}`;
    const memo = this.adminTokens.get(id);
    const current = this.deps.secrets.get(ns, ref.name)?.metadata?.resourceVersion;
    if (memo && current === memo.resourceVersion) return { value: memo.value };
    try {
      const read = await readSecretValue(this.deps.http, ns, ref, "spec.adminToken.secretRef");
      if (!read.found) {
        this.adminTokens.delete(id);
        return { error: read.message };
      }
      this.adminTokens.set(id, read);
      return { value: read.value };
    } catch (err) {
      return { error: `could not read the admin token: ${errorMessage(err)}` };
    }
  }

  /** Wake at the start of the warning window and at expiry; once a day while expiring so daysRemaining stays true. */
  private licenseRequeue(license: LicenseObservation, now: Date): number | undefined {
    if (license.state !== "checked") return undefined;
    const next = nextLicenseTransition(license.check, now, { warningDays: this.deps.license.warningDays });
    if (!next) return undefined;
    const untilNext = next.getTime() - now.getTime() + 1000;
    return license.check.status === "ExpiringSoon" ? Math.min(untilNext, DAY_MS) : untilNext;
  }
}
