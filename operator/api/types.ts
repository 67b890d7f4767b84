import type { AutoscaledWorker, ComponentName } from "./components.js";

export const GROUP = "tracardi.io";
export const VERSION = "v1alpha1";
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = "Tracardi";
export const PLURAL = "tracardis";
export const SINGULAR = "tracardi";
export const SHORT_NAMES = ["trc"];

export const PULL_POLICIES = ["Always", "IfNotPresent", "Never"] as const;
export type PullPolicy = (typeof PULL_POLICIES)[number];
export const SEARCH_FLAVORS = ["elasticsearch", "opensearch"] as const;
export type SearchFlavor = (typeof SEARCH_FLAVORS)[number];
export const SERVICE_TYPES = ["ClusterIP", "NodePort", "LoadBalancer"] as const;
export type ServiceType = (typeof SERVICE_TYPES)[number];

export interface SecretKeyRef {
  name: string;
  key: string;
}

export interface CredentialsSecretRef {
  name: string;
  usernameKey: string;
  passwordKey: string;
}

export type Quantity = string | number;

export interface ResourceList {
  cpu?: Quantity;
  memory?: Quantity;
}

export interface Resources {
  requests?: ResourceList;
  limits?: ResourceList;
}

export interface ServiceSpec {
  type: ServiceType;
  port: number;
}

export const TOLERATION_OPERATORS = ["Exists", "Equal"] as const;
export const TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"] as const;
export const UNSATISFIABLE_ACTIONS = ["DoNotSchedule", "ScheduleAnyway"] as const;

/** core/v1 Toleration. */
export interface Toleration {
  key?: string;
  operator?: (typeof TOLERATION_OPERATORS)[number];
  value?: string;
  effect?: (typeof TAINT_EFFECTS)[number];
  tolerationSeconds?: number;
}

/** core/v1 TopologySpreadConstraint: the required fields typed, the rest passed through as written. */
export interface TopologySpreadConstraint {
  maxSkew: number;
  topologyKey: string;
  whenUnsatisfiable: (typeof UNSATISFIABLE_ACTIONS)[number];
  labelSelector?: Record<string, unknown>;
  [field: string]: unknown;
}

/** core/v1 Affinity, validated by the API server when the Deployment is applied. */
export interface Affinity {
  nodeAffinity?: Record<string, unknown>;
  podAffinity?: Record<string, unknown>;
  podAntiAffinity?: Record<string, unknown>;
}

/**
 * Where pods may run. `spec.scheduling` applies to every component; a component's own `scheduling`
 * replaces it field by field (a field set there wins whole: lists and maps are not merged).
 */
export interface Scheduling {
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  affinity?: Affinity;
  topologySpreadConstraints?: TopologySpreadConstraint[];
  priorityClassName?: string;
}

export interface DisruptionBudgetSpec {
  enabled: boolean;
  /** Pods of the API that a voluntary disruption (drain, eviction) may take down at once: a count or "N%". */
  maxUnavailable: number | string;
}

/** `api.public.autoscaling`: the operator owns an autoscaling/v2 HorizontalPodAutoscaler for the public API. */
export interface ApiAutoscalingSpec {
  enabled: boolean;
  minReplicas: number;
  maxReplicas: number;
  /** Average CPU use of the pods, in percent of their CPU request, the HPA keeps them at. */
  targetCPUUtilizationPercentage: number;
}

export interface ApiSpec {
  /** Ignored while `autoscaling.enabled` (the public API): the HorizontalPodAutoscaler sets the replicas. */
  replicas: number;
  resources: Resources;
  service: ServiceSpec;
  podLabels?: Record<string, string>;
  scheduling?: Scheduling;
  podDisruptionBudget: DisruptionBudgetSpec;
}

export interface PublicApiSpec extends ApiSpec {
  autoscaling: ApiAutoscalingSpec;
}

/**
 * Replicas of a queue worker set by the operator from its stages' backlog in Pulsar:
 * desired = clamp(ceil(backlog / targetBacklogPerReplica), minReplicas, maxReplicas), at most doubling
 * per step, stabilised over the two windows as the HorizontalPodAutoscaler does.
 */
export interface WorkerAutoscaling {
  enabled: boolean;
  /** 0 scales the worker to zero while nothing waits; a backlog wakes it to 1. */
  minReplicas: number;
  maxReplicas: number;
  targetBacklogPerReplica: number;
  scaleUpStabilizationSeconds: number;
  scaleDownStabilizationSeconds: number;
}

export interface WorkerSpec {
  enabled: boolean;
  replicas: number;
  resources: Resources;
  podLabels?: Record<string, string>;
  scheduling?: Scheduling;
  /** Only on the workers in AUTOSCALED_WORKERS; when enabled, `replicas` is ignored. */
  autoscaling?: WorkerAutoscaling;
}

/** The console (`tracardi gui`), Deployment and Service `<name>-fe-rj-gui`. */
export interface GuiSpec {
  enabled: boolean;
  replicas: number;
  resources: Resources;
  service: ServiceSpec;
  podLabels?: Record<string, string>;
  scheduling?: Scheduling;
}

export interface SearchSpec {
  flavor: SearchFlavor;
  url: string;
  /** Prefix of the index names (TRACARDI_SEARCH_INDEX_PREFIX), so several Tracardis can share a cluster. */
  indexPrefix?: string;
  credentialsSecretRef?: CredentialsSecretRef;
}

export interface MysqlSpec {
  host: string;
  port: number;
  database: string;
  credentialsSecretRef?: CredentialsSecretRef;
}

export interface PulsarSpec {
  url: string;
  /** The broker's web service (admin and WebSocket APIs); derived from `url` on default ports. */
  webUrl?: string;
  /** Prefix of the topic names (TRACARDI_PULSAR_TOPIC_PREFIX); the runtime's default is `tracardi-`. */
  topicPrefix?: string;
  tokenSecretRef?: SecretKeyRef;
}

/** How the operator judges whether the pipeline flows (condition PipelineFlowing). */
export interface DiagnosticsSpec {
  /**
   * A stage with consumers and a backlog that acknowledges nothing for this long is Stalled; one that
   * acknowledges only what it puts back on its retry topic (or dead-letters) for this long is Failing.
   */
  stallSeconds: number;
  /** A backlog growing this long while its worker cannot scale further is FallingBehind. */
  fallingBehindSeconds: number;
}

/** The spec after API-server defaulting (every defaulted field present). */
export interface TracardiSpec {
  image: string;
  imagePullPolicy: PullPolicy;
  imagePullSecrets?: { name: string }[];
  podLabels?: Record<string, string>;
  podAnnotations?: Record<string, string>;
  scheduling?: Scheduling;
  license: { secretRef: SecretKeyRef };
  adminToken?: { secretRef: SecretKeyRef };
  search: SearchSpec;
  mysql: MysqlSpec;
  pulsar?: PulsarSpec;
  api: { public: PublicApiSpec; private: ApiSpec };
  workers: { collector: WorkerSpec; background: WorkerSpec; workflow: WorkerSpec; apm: WorkerSpec };
  gui: GuiSpec;
  diagnostics: DiagnosticsSpec;
}

export type ConditionStatus = "True" | "False" | "Unknown";

export interface Condition {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface OOMKillRecord {
  pod: string;
  container: string;
  at: string;
  memoryLimit?: string;
}

export interface ComponentStatus {
  name: ComponentName;
  desired: number;
  ready: number;
  restarts: number;
  oomKillsLastHour: number;
  lastOOMKill?: OOMKillRecord;
}

export interface LicenseStatusBlock {
  status: "Valid" | "ExpiringSoon" | "Expired" | "Invalid" | "Missing" | "Unknown";
  owner?: string;
  expires?: string;
  daysRemaining?: number;
  features?: string[];
}

/** The operator's last autoscaling decision for one worker. */
export interface WorkerAutoscalingStatus {
  /** spec.replicas of the Deployment when the decision was taken. */
  currentReplicas: number;
  desiredReplicas: number;
  /** Messages waiting on the worker's stages (sum over its subscriptions); absent when Pulsar did not answer. */
  backlog?: number;
  /** When the operator last changed the Deployment's replicas. */
  lastScaleTime?: string;
  /** Why desiredReplicas is what it is, with the numbers. */
  reason: string;
}

export interface TracardiStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  components?: ComponentStatus[];
  license?: LicenseStatusBlock;
  /** "ready/desired" for the public API, for the printer column. */
  publicApi?: string;
  /** "ready/desired" summed over enabled workers, for the printer column. */
  workers?: string;
  /** Per autoscaled worker (by its key in spec.workers). */
  autoscaling?: Partial<Record<AutoscaledWorker, WorkerAutoscalingStatus>>;
  /** Messages waiting on the autoscaled workers' stages, summed, for the printer column. */
  backlog?: number;
}

export interface ObjectMeta {
  name: string;
  namespace: string;
  uid: string;
  generation?: number;
  resourceVersion?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface Tracardi {
  apiVersion: typeof API_VERSION;
  kind: typeof KIND;
  metadata: ObjectMeta;
  spec: TracardiSpec;
  status?: TracardiStatus;
}
