import {
  PULSAR_DERIVABLE_URL_PATTERN,
  PULSAR_SERVICE_URL_PATTERN,
  PULSAR_WEB_URL_PATTERN,
} from "../../runtime/pulsar-url/index.js";
import {
  API_ROLES,
  type ApiRole,
  AUTOSCALED_WORKER_STAGES,
  AUTOSCALED_WORKERS,
  isAutoscaledWorker,
  type WorkerKind,
} from "./components.js";
import {
  API_DEFAULTS,
  DEFAULT_API_AUTOSCALING,
  DEFAULT_DIAGNOSTICS,
  DEFAULT_DISRUPTION_BUDGET,
  DEFAULT_IMAGE,
  DEFAULT_LICENSE_KEY,
  DEFAULT_MYSQL_DATABASE,
  DEFAULT_MYSQL_PORT,
  DEFAULT_PASSWORD_KEY,
  DEFAULT_PULL_POLICY,
  DEFAULT_SEARCH_FLAVOR,
  DEFAULT_SERVICE_TYPE,
  DEFAULT_TOKEN_KEY,
  DEFAULT_USERNAME_KEY,
  DEFAULT_WORKER_AUTOSCALING,
  GUI_DEFAULTS,
  GUI_PORT,
  WORKER_DEFAULTS,
} from "./defaults.js";
import {
  PULL_POLICIES,
  SEARCH_FLAVORS,
  SERVICE_TYPES,
  TAINT_EFFECTS,
  TOLERATION_OPERATORS,
  UNSATISFIABLE_ACTIONS,
} from "./types.js";
import { BACKGROUND_REQUIRED, PULSAR_REQUIRED } from "./validate.js";

/** The subset of OpenAPI v3 the CRD uses, with the wire names. */
export interface Schema {
  type?: "object" | "array" | "string" | "integer" | "boolean";
  description?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  additionalProperties?: Schema;
  enum?: readonly string[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  maxItems?: number;
  maxProperties?: number;
  pattern?: string;
  format?: string;
  anyOf?: Schema[];
  "x-kubernetes-int-or-string"?: boolean;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-list-type"?: "atomic" | "set" | "map";
  "x-kubernetes-list-map-keys"?: string[];
  "x-kubernetes-map-type"?: "atomic" | "granular";
  "x-kubernetes-validations"?: { rule: string; message: string; fieldPath?: string; reason?: string }[];
}

const NAME_MAX = 253;

const obj = (
  description: string,
  properties: Record<string, Schema>,
  extra: Partial<Schema> = {},
): Schema => ({
  type: "object",
  description,
  properties,
  ...extra,
});
const str = (description: string, extra: Partial<Schema> = {}): Schema => ({
  type: "string",
  description,
  maxLength: 1024,
  ...extra,
});
const int = (description: string, extra: Partial<Schema> = {}): Schema => ({
  type: "integer",
  description,
  ...extra,
});
const bool = (description: string, extra: Partial<Schema> = {}): Schema => ({
  type: "boolean",
  description,
  ...extra,
});

const secretName = str("Name of a Secret in the Tracardi resource's namespace.", {
  minLength: 1,
  maxLength: NAME_MAX,
});

function secretKeyRef(what: string, defaultKey: string): Schema {
  return obj(
    `Secret holding ${what}. The value never appears in the spec.`,
    {
      name: secretName,
      key: str("Key in the Secret.", { default: defaultKey, minLength: 1, maxLength: NAME_MAX }),
    },
    { required: ["name"] },
  );
}

function credentialsRef(what: string): Schema {
  return obj(
    `Secret holding the ${what} user name and password. Credentials are only ever read from Secrets.`,
    {
      name: secretName,
      usernameKey: str("Key of the user name in the Secret.", {
        default: DEFAULT_USERNAME_KEY,
        maxLength: NAME_MAX,
      }),
      passwordKey: str("Key of the password in the Secret.", {
        default: DEFAULT_PASSWORD_KEY,
        maxLength: NAME_MAX,
      }),
    },
    { required: ["name"] },
  );
}

const quantity = (description: string): Schema => ({
  description,
  anyOf: [{ type: "integer" }, { type: "string" }],
  "x-kubernetes-int-or-string": true,
  pattern:
    "^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$",
});

const resourceList = (description: string): Schema =>
  obj(description, {
    cpu: quantity("CPU, e.g. 500m or 1."),
    memory: quantity("Memory, e.g. 512Mi or 2Gi."),
  });

function resources(defaults: unknown, component: string): Schema {
  return obj(
    `Container resources of ${component}. Defaults follow the seed's Helm chart; when the container is OOMKilled, raise limits.memory here.`,
    {
      requests: resourceList("Requested resources (scheduling)."),
      limits: resourceList("Resource limits; exceeding limits.memory gets the container OOMKilled."),
    },
    { default: defaults },
  );
}

const podLabels = (scope: string): Schema => ({
  type: "object",
  description: `Extra labels for the pod template of ${scope}. Keys under app.kubernetes.io/ are reserved for the operator.`,
  additionalProperties: { type: "string", maxLength: 63 },
  maxProperties: 32,
  "x-kubernetes-validations": [
    {
      rule: "self.all(k, !k.startsWith('app.kubernetes.io/'))",
      message:
        "podLabels must not set app.kubernetes.io/ labels: the operator owns them (they select the pods)",
    },
  ],
});

/** A core/v1 object kept as written; the API server validates it when the Deployment is applied. */
const passThrough = (description: string): Schema => ({
  type: "object",
  description,
  "x-kubernetes-preserve-unknown-fields": true,
});

const SCHEDULING_RULE =
  "A field set here replaces the same field of spec.scheduling whole (lists and maps are not merged; [] or {} clears it).";

/** Pod scheduling in the core/v1 PodSpec's own field names. */
function schedulingSchema(scope: string, global: boolean): Schema {
  const rule = global
    ? "Applies to every component unless the component's own scheduling sets the same field."
    : SCHEDULING_RULE;
  return obj(`Where the pods of ${scope} may run (core/v1 PodSpec fields). ${rule}`, {
    nodeSelector: {
      type: "object",
      description: "Node labels a pod's node must have (PodSpec.nodeSelector).",
      additionalProperties: { type: "string", maxLength: 63 },
      maxProperties: 64,
    },
    tolerations: {
      type: "array",
      description: "Taints the pods tolerate (PodSpec.tolerations).",
      maxItems: 64,
      "x-kubernetes-list-type": "atomic",
      items: obj("A toleration (core/v1 Toleration).", {
        key: str("Taint key; empty with operator Exists matches every taint.", { maxLength: 316 }),
        operator: str("Exists or Equal (the default).", { enum: TOLERATION_OPERATORS }),
        value: str("Taint value to match with operator Equal.", { maxLength: 63 }),
        effect: str("NoSchedule, PreferNoSchedule or NoExecute; empty matches every effect.", {
          enum: TAINT_EFFECTS,
        }),
        tolerationSeconds: int(
          "With effect NoExecute: how long the pod stays bound after the taint appears.",
        ),
      }),
    },
    affinity: obj("Node and pod (anti-)affinity (PodSpec.affinity).", {
      nodeAffinity: passThrough("core/v1 NodeAffinity."),
      podAffinity: passThrough("core/v1 PodAffinity."),
      podAntiAffinity: passThrough("core/v1 PodAntiAffinity."),
    }),
    topologySpreadConstraints: {
      type: "array",
      description:
        "How pods spread over zones or nodes (PodSpec.topologySpreadConstraints). A constraint without labelSelector selects the component's own pods.",
      maxItems: 16,
      "x-kubernetes-list-type": "atomic",
      items: obj(
        "A core/v1 TopologySpreadConstraint; fields not listed here (minDomains, matchLabelKeys, …) are passed through.",
        {
          maxSkew: int("Largest allowed difference in pod count between two domains.", { minimum: 1 }),
          topologyKey: str("Node label that defines a domain, e.g. topology.kubernetes.io/zone.", {
            minLength: 1,
            maxLength: 316,
          }),
          whenUnsatisfiable: str("DoNotSchedule or ScheduleAnyway.", { enum: UNSATISFIABLE_ACTIONS }),
          labelSelector: passThrough(
            "Pods counted (core/v1 LabelSelector); defaults to the component's pod selector.",
          ),
        },
        {
          required: ["maxSkew", "topologyKey", "whenUnsatisfiable"],
          "x-kubernetes-preserve-unknown-fields": true,
        },
      ),
    },
    priorityClassName: str("PriorityClass of the pods (PodSpec.priorityClassName); empty: none.", {
      maxLength: NAME_MAX,
    }),
  });
}

function disruptionBudgetSchema(role: ApiRole): Schema {
  return obj(
    `PodDisruptionBudget <name>-${role}-api, kept while the ${role} API has more than one replica and deleted otherwise: drains and evictions take down at most maxUnavailable pods at once.`,
    {
      enabled: bool("Keep a PodDisruptionBudget for this API.", {
        default: DEFAULT_DISRUPTION_BUDGET.enabled,
      }),
      maxUnavailable: {
        description:
          "Pods that may be unavailable at once: a count (at least 1) or a percentage such as 25%.",
        anyOf: [{ type: "integer" }, { type: "string" }],
        "x-kubernetes-int-or-string": true,
        default: DEFAULT_DISRUPTION_BUDGET.maxUnavailable,
        minimum: 1,
        pattern: "^([1-9][0-9]?|100)%$",
      },
    },
    { default: {} },
  );
}

function apiAutoscalingSchema(): Schema {
  const d = DEFAULT_API_AUTOSCALING;
  return obj(
    "An autoscaling/v2 HorizontalPodAutoscaler <name>-public-api on CPU, owned by the operator. While enabled, the operator leaves the Deployment's replicas to it (replicas above is ignored).",
    {
      enabled: bool("Create the HorizontalPodAutoscaler (deleted when false).", { default: d.enabled }),
      minReplicas: int("Fewest public-api pods.", { default: d.minReplicas, minimum: 1, maximum: 100 }),
      maxReplicas: int("Most public-api pods.", { default: d.maxReplicas, minimum: 1, maximum: 100 }),
      targetCPUUtilizationPercentage: int(
        "Average CPU use the pods are kept at, in percent of their CPU request (resources.requests.cpu).",
        { default: d.targetCPUUtilizationPercentage, minimum: 1, maximum: 1000 },
      ),
    },
    {
      // Whole: the API server checks the rule against the default itself, before nested defaults.
      default: { ...d },
      "x-kubernetes-validations": [
        {
          rule: "self.minReplicas <= self.maxReplicas",
          message: "minReplicas must not exceed maxReplicas",
          fieldPath: ".minReplicas",
        },
      ],
    },
  );
}

function apiSchema(role: ApiRole): Schema {
  const d = API_DEFAULTS[role];
  const what =
    role === "public"
      ? "The public (collection) API: /track and the tracker endpoints. Pod and Deployment suffix public-api."
      : "The private (management) API: configuration, status, GUI backend. Pod and Deployment suffix private-api.";
  return obj(
    what,
    {
      replicas: int("Number of API pods.", { default: d.replicas, minimum: 0, maximum: 100 }),
      resources: resources(d.resources, `the ${role} API`),
      service: obj(
        `The Service in front of the ${role} API, named <name>-${role}-api.`,
        {
          type: str("Service type.", { enum: SERVICE_TYPES, default: DEFAULT_SERVICE_TYPE }),
          port: int("Service port.", { default: d.port, minimum: 1, maximum: 65535 }),
        },
        { default: {} },
      ),
      podLabels: podLabels(`the ${role} API`),
      scheduling: schedulingSchema(`the ${role} API`, false),
      podDisruptionBudget: disruptionBudgetSchema(role),
      ...(role === "public" ? { autoscaling: apiAutoscalingSchema() } : {}),
    },
    { default: {} },
  );
}

const WORKER_TEXT: Record<WorkerKind, string> = {
  collector:
    "Collector worker (wk-pl-collector): sessions, profiles, events, mappings and the flows of matching rules. Off by default: the public API then runs the collector stage itself.",
  background:
    "Background worker (wk-pl-background): storage and destination dispatch, which run nowhere else. On by default; required (enabled) with spec.pulsar, off without it (the public API then runs every stage on its own queue).",
  workflow:
    "Workflows. enabled switches the flows of matching rules on or off (off by default, as in the seed: no workflow is triggered until enabled). Flows run inside the collector stage, in each profile's order, so there is no wk-pl-workflow pod: replicas, resources, podLabels and scheduling are ignored.",
  apm: "Auto profile merging (wk-apm): the merge pass that queues merges of profiles sharing merge keys; runs nowhere else. On by default; disabling it stops timed merge passes. Its pod runs with spec.pulsar only (without it the public API runs the pass).",
};

function autoscalingSchema(kind: WorkerKind): Schema {
  const d = DEFAULT_WORKER_AUTOSCALING;
  const stages = isAutoscaledWorker(kind) ? AUTOSCALED_WORKER_STAGES[kind].join(", ") : "";
  return obj(
    `Scale the ${kind} worker from the backlog of its Pulsar subscriptions (${stages}), read from Pulsar's admin API: desired replicas = clamp(ceil(backlog / targetBacklogPerReplica), minReplicas, maxReplicas), at most doubling per step, with the HorizontalPodAutoscaler's stabilization windows. While enabled, replicas is ignored and the operator no longer applies the Deployment's spec.replicas.`,
    {
      enabled: bool("Let the operator set this worker's replicas.", { default: d.enabled }),
      minReplicas: int(
        "Fewest pods. 0 scales the worker to zero while nothing waits; a backlog wakes it to 1.",
        { default: d.minReplicas, minimum: 0, maximum: 100 },
      ),
      maxReplicas: int("Most pods.", { default: d.maxReplicas, minimum: 1, maximum: 100 }),
      targetBacklogPerReplica: int("Waiting messages one pod is expected to keep up with.", {
        default: d.targetBacklogPerReplica,
        minimum: 1,
      }),
      scaleUpStabilizationSeconds: int(
        "Scale up only to the lowest recommendation of this many past seconds (0: at once).",
        { default: d.scaleUpStabilizationSeconds, minimum: 0, maximum: 3600 },
      ),
      scaleDownStabilizationSeconds: int(
        "Scale down only to the highest recommendation of this many past seconds, so a drained queue does not flap.",
        { default: d.scaleDownStabilizationSeconds, minimum: 0, maximum: 3600 },
      ),
    },
    {
      "x-kubernetes-validations": [
        {
          rule: "self.minReplicas <= self.maxReplicas",
          message: "autoscaling.minReplicas must not exceed autoscaling.maxReplicas",
          fieldPath: ".minReplicas",
        },
      ],
    },
  );
}

function workerSchema(kind: WorkerKind): Schema {
  const d = WORKER_DEFAULTS[kind];
  return obj(
    WORKER_TEXT[kind],
    {
      enabled: bool(
        kind === "workflow"
          ? "Run the flows of matching rules (TRACARDI_WORKFLOW_ENABLED)."
          : "Run this worker. Disabling it deletes its Deployment.",
        { default: d.enabled },
      ),
      replicas: int("Number of worker pods (ignored while autoscaling is enabled).", {
        default: d.replicas,
        minimum: 0,
        maximum: 100,
      }),
      resources: resources(d.resources, `the ${kind} worker`),
      podLabels: podLabels(`the ${kind} worker`),
      scheduling: schedulingSchema(`the ${kind} worker`, false),
      ...(isAutoscaledWorker(kind) ? { autoscaling: autoscalingSchema(kind) } : {}),
    },
    {
      // Spelled out rather than {} because the API server checks defaults against the CEL rule as they are.
      default: { enabled: d.enabled, replicas: d.replicas },
      "x-kubernetes-validations": [
        {
          rule: "!self.enabled || self.replicas >= 1",
          message: "an enabled worker needs replicas >= 1; set enabled: false to turn it off",
          fieldPath: ".replicas",
        },
      ],
    },
  );
}

const guiSchema: Schema = obj(
  "The console (tracardi gui, as Tracardi's fe-rj-gui): Deployment and Service <name>-fe-rj-gui on port 8787, proxying /api/ to the private API. On by default, as in Tracardi's Helm chart.",
  {
    enabled: bool("Run the console. Disabling it deletes its Deployment and Service.", {
      default: GUI_DEFAULTS.enabled,
    }),
    replicas: int("Number of console pods.", { default: GUI_DEFAULTS.replicas, minimum: 0, maximum: 100 }),
    resources: resources(GUI_DEFAULTS.resources, "the console"),
    service: obj(
      "The Service in front of the console, named <name>-fe-rj-gui.",
      {
        type: str("Service type.", { enum: SERVICE_TYPES, default: DEFAULT_SERVICE_TYPE }),
        port: int("Service port.", { default: GUI_PORT, minimum: 1, maximum: 65535 }),
      },
      { default: {} },
    ),
    podLabels: podLabels("the console"),
    scheduling: schedulingSchema("the console", false),
  },
  { default: {} },
);

const specSchema: Schema = obj(
  "Desired state of a Tracardi installation: one image, the APIs, the workers and their connections.",
  {
    image: str("Container image with the Tracardi runtime; every component runs from it by command.", {
      default: DEFAULT_IMAGE,
      minLength: 1,
    }),
    imagePullPolicy: str("Image pull policy of every container.", {
      enum: PULL_POLICIES,
      default: DEFAULT_PULL_POLICY,
    }),
    imagePullSecrets: {
      type: "array",
      description: "Secrets for pulling the image.",
      maxItems: 16,
      items: obj("A pull Secret.", { name: secretName }, { required: ["name"] }),
    },
    podLabels: podLabels("every component"),
    podAnnotations: {
      type: "object",
      description: "Extra annotations for every pod template.",
      additionalProperties: { type: "string" },
      maxProperties: 32,
    },
    scheduling: schedulingSchema("every component", true),
    license: obj(
      "The Tracardi licence. The key is read from a Secret and verified offline against the operator's public key.",
      { secretRef: secretKeyRef("the licence key (TRC1.…)", DEFAULT_LICENSE_KEY) },
      { required: ["secretRef"] },
    ),
    adminToken: obj(
      "Token that guards the private API (TRACARDI_ADMIN_TOKEN).",
      { secretRef: secretKeyRef("the admin token", DEFAULT_TOKEN_KEY) },
      { required: ["secretRef"] },
    ),
    search: obj(
      "Elasticsearch or OpenSearch holding profiles, sessions and events.",
      {
        flavor: str("Which engine the URL points at.", {
          enum: SEARCH_FLAVORS,
          default: DEFAULT_SEARCH_FLAVOR,
        }),
        url: str("Base URL, e.g. http://elasticsearch:9200. No credentials in the URL.", {
          pattern: "^https?://[^@/]+(/.*)?$",
          maxLength: 512,
        }),
        indexPrefix: str(
          "Prefix of the index names (<prefix>tracardi-profile, -session, -event), so that several Tracardis can share one search cluster. Empty by default.",
          { pattern: "^([a-z0-9][a-z0-9._-]*)?$", maxLength: 64 },
        ),
        credentialsSecretRef: credentialsRef("search engine"),
      },
      { required: ["url"] },
    ),
    mysql: obj(
      "MySQL (or MariaDB) holding the configuration: event sources, destinations, workflows.",
      {
        host: str("Host name.", { minLength: 1, maxLength: NAME_MAX }),
        port: int("Port.", { default: DEFAULT_MYSQL_PORT, minimum: 1, maximum: 65535 }),
        database: str("Database name.", { default: DEFAULT_MYSQL_DATABASE, minLength: 1, maxLength: 64 }),
        credentialsSecretRef: credentialsRef("MySQL"),
      },
      { required: ["host"] },
    ),
    pulsar: obj(
      "Apache Pulsar, the queue between the public API and the workers. Required when a queue worker runs.",
      {
        url: str("The broker's service URL, pulsar://host:6650 or pulsar+ssl://host:6651.", {
          pattern: PULSAR_SERVICE_URL_PATTERN,
          maxLength: 512,
        }),
        webUrl: str(
          "The broker's web service (admin and WebSocket APIs), e.g. http://pulsar:8080. Derived from url on ports 6650/6651 (→ 8080/8443); required on any other port.",
          { pattern: PULSAR_WEB_URL_PATTERN, maxLength: 512 },
        ),
        topicPrefix: str(
          "Prefix of the topic names (<prefix>collector, -storage, …), so that several Tracardis can share one Pulsar namespace. The runtime's default is tracardi-.",
          { pattern: "^[A-Za-z0-9._-]{1,64}$", maxLength: 64 },
        ),
        tokenSecretRef: secretKeyRef("the Pulsar auth token", DEFAULT_TOKEN_KEY),
      },
      {
        required: ["url"],
        "x-kubernetes-validations": [
          {
            rule: `has(self.webUrl) || self.url.matches(r'${PULSAR_DERIVABLE_URL_PATTERN}')`,
            message:
              "spec.pulsar.webUrl is required when spec.pulsar.url is not on Pulsar's default port 6650 or 6651: the admin and WebSocket address cannot be derived",
            fieldPath: ".webUrl",
            reason: "FieldValueRequired",
          },
        ],
      },
    ),
    api: obj("The two APIs.", Object.fromEntries(API_ROLES.map((role) => [role, apiSchema(role)])), {
      default: {},
    }),
    workers: obj(
      "The queue workers. Each enabled worker is a Deployment <name>-<pod> when spec.pulsar is set; workflow only switches flows (no pod).",
      {
        collector: workerSchema("collector"),
        background: workerSchema("background"),
        workflow: workerSchema("workflow"),
        apm: workerSchema("apm"),
      },
      { default: {} },
    ),
    gui: guiSchema,
    diagnostics: obj(
      "How the operator judges the condition PipelineFlowing from Pulsar's admin API (with spec.pulsar).",
      {
        stallSeconds: int(
          "A stage whose subscription has consumers and a backlog but acknowledges nothing for this long is Stalled; one that acknowledges only what it puts back on its retry topic (or dead-letters) for this long is Failing.",
          { default: DEFAULT_DIAGNOSTICS.stallSeconds, minimum: 1, maximum: 86400 },
        ),
        fallingBehindSeconds: int(
          "A stage whose backlog grows for this long while its worker is at maxReplicas (or at its fixed replicas) is FallingBehind.",
          { default: DEFAULT_DIAGNOSTICS.fallingBehindSeconds, minimum: 1, maximum: 86400 },
        ),
      },
      { default: {} },
    ),
  },
  {
    required: ["license", "search", "mysql"],
    "x-kubernetes-validations": [
      {
        rule: "has(self.pulsar) || !(self.workers.collector.enabled || self.workers.background.enabled)",
        message: PULSAR_REQUIRED,
        fieldPath: ".pulsar",
        reason: "FieldValueRequired",
      },
      {
        rule: "!has(self.pulsar) || self.workers.background.enabled",
        message: BACKGROUND_REQUIRED,
        fieldPath: ".workers.background.enabled",
      },
    ],
  },
);

const conditionSchema: Schema = obj(
  "A condition in the standard Kubernetes shape.",
  {
    type: str(
      "Ready, Reconciled, LicenseValid, BackendsReachable, ComponentsHealthy, PipelineFlowing or WorkflowsEnabled.",
      {
        maxLength: 316,
      },
    ),
    status: str("True, False or Unknown.", { enum: ["True", "False", "Unknown"] }),
    reason: str("CamelCase reason.", { maxLength: 1024 }),
    message: str("Human-readable explanation.", { maxLength: 32768 }),
    lastTransitionTime: str("When status last changed.", { format: "date-time" }),
    observedGeneration: int("The metadata.generation this condition was computed for.", { minimum: 0 }),
  },
  { required: ["type", "status", "reason", "message", "lastTransitionTime"] },
);

const statusSchema: Schema = obj("Observed state, written by the operator.", {
  observedGeneration: int("The metadata.generation last reconciled."),
  conditions: {
    type: "array",
    description: "Ready summarises the others; its reason is the first failing check.",
    items: conditionSchema,
    "x-kubernetes-list-type": "map",
    "x-kubernetes-list-map-keys": ["type"],
  },
  components: {
    type: "array",
    description: "Per enabled component: pods desired and ready, restarts and recent OOM kills.",
    "x-kubernetes-list-type": "map",
    "x-kubernetes-list-map-keys": ["name"],
    items: obj(
      "One component.",
      {
        name: str("Component (the seed's pod name)."),
        desired: int("Pods desired."),
        ready: int("Pods ready."),
        restarts: int("Container restarts over the current pods."),
        oomKillsLastHour: int("OOM kills seen in the last hour."),
        lastOOMKill: obj("The most recent OOM kill seen.", {
          pod: str("Pod."),
          container: str("Container."),
          at: str("When the container was killed.", { format: "date-time" }),
          memoryLimit: str("The container's memory limit at the time."),
        }),
      },
      { required: ["name", "desired", "ready", "restarts", "oomKillsLastHour"] },
    ),
  },
  license: obj("The verified licence (never the key itself).", {
    status: str("Valid, ExpiringSoon, Expired, Invalid, Missing or Unknown."),
    owner: str("Licence owner."),
    expires: str("Expiry instant.", { format: "date-time" }),
    daysRemaining: int("Whole days until expiry; negative once expired."),
    features: { type: "array", description: "Licensed features.", items: { type: "string" } },
  }),
  publicApi: str("Public API pods ready/desired."),
  workers: str("Worker pods ready/desired, summed over enabled workers."),
  autoscaling: obj(
    "The operator's last autoscaling decision per autoscaled worker.",
    Object.fromEntries(
      AUTOSCALED_WORKERS.map((kind) => [
        kind,
        obj(
          `spec.workers.${kind}.autoscaling at work.`,
          {
            currentReplicas: int("The Deployment's replicas when the decision was taken."),
            desiredReplicas: int("Replicas the operator wants."),
            backlog: int(
              "Messages waiting on the worker's subscriptions (absent when Pulsar did not answer).",
            ),
            lastScaleTime: str("When the operator last changed the replicas.", { format: "date-time" }),
            reason: str("Why desiredReplicas is what it is, with the numbers."),
          },
          { required: ["currentReplicas", "desiredReplicas", "reason"] },
        ),
      ]),
    ),
  ),
  backlog: int("Messages waiting on the autoscaled workers' subscriptions, summed."),
});

export const openAPIV3Schema: Schema = obj(
  "A Tracardi customer data platform installation: public and private APIs plus queue workers.",
  {
    apiVersion: { type: "string" },
    kind: { type: "string" },
    metadata: { type: "object" },
    spec: specSchema,
    status: statusSchema,
  },
  {
    required: ["spec"],
    "x-kubernetes-validations": [
      {
        rule: "self.metadata.name.size() <= 50",
        message:
          "metadata.name must be at most 50 characters: Service names <name>-private-api must fit in 63",
      },
    ],
  },
);
