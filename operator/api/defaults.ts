import type { ApiRole, WorkerKind } from "./components.js";
import type {
  ApiAutoscalingSpec,
  DisruptionBudgetSpec,
  PullPolicy,
  Resources,
  SearchFlavor,
  ServiceType,
  WorkerAutoscaling,
} from "./types.js";

/** Defaults follow the seed's Helm chart (tracardi.md §10.2); the CRD schema is generated from these. */
export const DEFAULT_IMAGE = "tracardi/tracardi-ts:1.1.0";
export const DEFAULT_PULL_POLICY: PullPolicy = "IfNotPresent";
export const DEFAULT_SEARCH_FLAVOR: SearchFlavor = "elasticsearch";
export const DEFAULT_MYSQL_PORT = 3306;
export const DEFAULT_MYSQL_DATABASE = "tracardi";
export const DEFAULT_LICENSE_KEY = "license-key";
export const DEFAULT_USERNAME_KEY = "username";
export const DEFAULT_PASSWORD_KEY = "password";
export const DEFAULT_TOKEN_KEY = "token";
export const DEFAULT_SERVICE_TYPE: ServiceType = "ClusterIP";

/** An API with more than one replica keeps all but one pod through a drain. */
export const DEFAULT_DISRUPTION_BUDGET: DisruptionBudgetSpec = { enabled: true, maxUnavailable: 1 };

/** Off until asked for; when on, between 1 and 10 public-api pods at 80 % of their CPU request. */
export const DEFAULT_API_AUTOSCALING: ApiAutoscalingSpec = {
  enabled: false,
  minReplicas: 1,
  maxReplicas: 10,
  targetCPUUtilizationPercentage: 80,
};

/** Autoscaling is opt-in; the windows are the HorizontalPodAutoscaler's defaults. */
export const DEFAULT_WORKER_AUTOSCALING: WorkerAutoscaling = {
  enabled: false,
  minReplicas: 1,
  maxReplicas: 10,
  targetBacklogPerReplica: 1000,
  scaleUpStabilizationSeconds: 0,
  scaleDownStabilizationSeconds: 300,
};

export const PUBLIC_PORT = 8686;
export const PRIVATE_PORT = 8687;
export const WORKER_HEALTH_PORT = 8688;

export interface ApiDefaults {
  replicas: number;
  port: number;
  resources: Resources;
}

export const API_DEFAULTS: Record<ApiRole, ApiDefaults> = {
  public: {
    replicas: 1,
    port: PUBLIC_PORT,
    resources: { requests: { cpu: "100m", memory: "100Mi" }, limits: { cpu: "500m", memory: "300Mi" } },
  },
  private: {
    replicas: 1,
    port: PRIVATE_PORT,
    resources: { requests: { cpu: "100m", memory: "100Mi" }, limits: { cpu: "500m", memory: "1000Mi" } },
  },
};

export interface WorkerDefaults {
  enabled: boolean;
  replicas: number;
  resources: Resources;
}

const QUEUE_WORKER: Resources = {
  requests: { cpu: "300m", memory: "300Mi" },
  limits: { cpu: "1000m", memory: "2500Mi" },
};

export const WORKER_DEFAULTS: Record<WorkerKind, WorkerDefaults> = {
  collector: { enabled: false, replicas: 1, resources: QUEUE_WORKER },
  background: { enabled: true, replicas: 1, resources: QUEUE_WORKER },
  workflow: {
    enabled: false,
    replicas: 1,
    resources: { requests: { cpu: "300m", memory: "200Mi" }, limits: { cpu: "800m", memory: "500Mi" } },
  },
  apm: {
    enabled: true,
    replicas: 1,
    resources: { requests: { cpu: "100m", memory: "200Mi" }, limits: { cpu: "500m", memory: "2500Mi" } },
  },
};
