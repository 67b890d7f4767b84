import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { parseArgs } from "node:util";

export interface OperatorConfig {
  /** Watched namespaces; absent: all (needs ClusterRoles). */
  namespaces?: string[];
  httpPort: number;
  leaderElect: boolean;
  leaseNamespace: string;
  leaseName: string;
  identity: string;
  licensePublicKey?: string;
  licenseWarningDays: number;
  resyncSeconds: number;
  /** How often each Tracardi's runtime is asked for its own view (0: never). */
  diagnosticsSeconds: number;
  /** How often an autoscaled worker's backlog is read and a scaling step taken. */
  autoscaleIntervalSeconds: number;
  concurrency: number;
  logLevel: string;
}

export const USAGE = `tracardi-operator [flags]   (KUBECONFIG or in-cluster config)
  --namespaces NS[,NS...]     watch only these namespaces, one informer each, so Roles in them suffice
                              (env WATCH_NAMESPACES; --namespace / WATCH_NAMESPACE alike; default: all)
  --http-port N               /healthz, /readyz, /metrics (default 8080)
  --leader-elect true|false   Lease-based leader election (default true)
  --lease-namespace NS        (env POD_NAMESPACE; default "default")
  --lease-name NAME           (default tracardi-operator)
  --identity ID               (env POD_NAME; default hostname-pid)
  --license-public-key FILE   PEM Ed25519 key licences are verified against
                              (or env TRACARDI_LICENSE_PUBLIC_KEY with the PEM itself)
  --license-warning-days N    ExpiringSoon window (default 14)
  --resync-seconds N          periodic full resync (default 300)
  --diagnostics-seconds N     ask each runtime for its status and metrics this often, over the APIs'
                              Services (AutoMerging, APIsHealthy, SearchDiskPressure; 0: never;
                              env DIAGNOSTICS_SECONDS; default 30)
  --autoscale-interval-seconds N
                              how often autoscaled workers' backlogs are read and a step taken
                              (env AUTOSCALE_INTERVAL_SECONDS; default 15, at least 1)
  --concurrency N             parallel reconciles of different resources (default 3)
  --log-level LEVEL           pino level (default info)
`;

function int(value: string | undefined, fallback: number, flag: string): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} must be a non-negative integer, got ${value}`);
  return n;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** "a, b,,a" → ["a", "b"]; a name that cannot be a namespace is refused rather than watched in vain. */
function parseNamespaces(value: string | undefined): string[] {
  const names = [
    ...new Set(
      (value ?? "")
        .split(",")
        .map((n) => n.trim())
        .filter((n) => n !== ""),
    ),
  ];
  const bad = names.find((n) => !DNS_LABEL.test(n));
  if (bad !== undefined) throw new Error(`--namespaces: "${bad}" is not a valid namespace name`);
  return names;
}

export function parseConfig(argv: string[], env: NodeJS.ProcessEnv): OperatorConfig {
  const { values } = parseArgs({
    args: argv,
    options: {
      namespace: { type: "string" },
      namespaces: { type: "string" },
      "http-port": { type: "string" },
      "leader-elect": { type: "string" },
      "lease-namespace": { type: "string" },
      "lease-name": { type: "string" },
      identity: { type: "string" },
      "license-public-key": { type: "string" },
      "license-warning-days": { type: "string" },
      "resync-seconds": { type: "string" },
      "diagnostics-seconds": { type: "string" },
      "autoscale-interval-seconds": { type: "string" },
      concurrency: { type: "string" },
      "log-level": { type: "string" },
      help: { type: "boolean" },
    },
  });
  if (values.help) throw new Error(USAGE);
  const keyFile = values["license-public-key"] ?? env.TRACARDI_LICENSE_PUBLIC_KEY_FILE;
  const licensePublicKey = keyFile ? readFileSync(keyFile, "utf8") : env.TRACARDI_LICENSE_PUBLIC_KEY;
  const namespaces = parseNamespaces(
    values.namespaces ?? values.namespace ?? env.WATCH_NAMESPACES ?? env.WATCH_NAMESPACE,
  );
  const config: OperatorConfig = {
    httpPort: int(values["http-port"] ?? env.HTTP_PORT, 8080, "--http-port"),
    leaderElect: (values["leader-elect"] ?? env.LEADER_ELECT ?? "true") !== "false",
    leaseNamespace: values["lease-namespace"] ?? env.POD_NAMESPACE ?? "default",
    leaseName: values["lease-name"] ?? "tracardi-operator",
    identity: values.identity ?? env.POD_NAME ?? `${hostname()}-${process.pid}`,
    licenseWarningDays: int(values["license-warning-days"], 14, "--license-warning-days"),
    resyncSeconds: int(values["resync-seconds"], 300, "--resync-seconds"),
    diagnosticsSeconds: int(
      values["diagnostics-seconds"] ?? env.DIAGNOSTICS_SECONDS,
      30,
      "--diagnostics-seconds",
    ),
    autoscaleIntervalSeconds: Math.max(
      1,
      int(
        values["autoscale-interval-seconds"] ?? env.AUTOSCALE_INTERVAL_SECONDS,
        15,
        "--autoscale-interval-seconds",
      ),
    ),
    concurrency: Math.max(1, int(values.concurrency, 3, "--concurrency")),
    logLevel: values["log-level"] ?? env.LOG_LEVEL ?? "info",
  };
  if (namespaces.length > 0) config.namespaces = namespaces;
  if (licensePublicKey) config.licensePublicKey = licensePublicKey;
  return config;
}
