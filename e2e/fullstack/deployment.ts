// A Tracardi on the real node real-0, wired to the servers of infra/ as a user would wire it: the
// servers listen on loopback, the node's relays (E2E_REAL_INFRA_PORTS in e2e/scripts/real-node.sh)
// make them reachable from pods at the node IP. Each deployment has its own database, topic prefix
// and index prefix, so it never shares a row, a message or a document with anyone on those servers.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { indexNames } from "../../runtime/adapters/search/indices.js";
import { infra, type MariaDbInfo, onMariaDb, type ServerName } from "../../runtime/test/infra/servers.js";
import { get, type KubeObject, list, waitFor } from "../lib/kubectl.js";
import {
  applyJson,
  createNamespace,
  deleteNamespace,
  ensureCrd,
  getJson,
  type LicenseKit,
  licenseKit,
  type OperatorProcess,
  putLicenseSecret,
  ROOT,
  startOperator,
  tracardiObject,
} from "../operator/helpers.js";

/** The node IP of real-0 (E2E_REAL_NODE_IP in e2e/scripts/common.sh). */
export const NODE_IP = process.env.E2E_REAL_NODE_IP ?? "10.250.0.1";
export const IMAGE = "local/tracardi-runtime:dev";
const MYSQL_SECRET = "mysql-credentials";

/** Why the suite cannot run here, or undefined when real-0 is up and Ready. */
export async function realNodeMissing(): Promise<string | undefined> {
  interface Node extends KubeObject {
    status?: { conditions?: { type: string; status: string }[]; images?: { names?: string[] }[] };
  }
  const node = await get<Node>("node", "real-0").catch(() => undefined);
  if (!node) return "the cluster has no node real-0 (it started without one: see e2e/README.md)";
  const ready = node.status?.conditions?.find((c) => c.type === "Ready")?.status === "True";
  if (!ready) return "node real-0 is not Ready";
  const images = node.status?.images?.flatMap((i) => i.names ?? []) ?? [];
  return images.some((n) => n === IMAGE || n === `docker.io/${IMAGE}`)
    ? undefined
    : `real-0 has no image ${IMAGE} (dist/ was not built when the cluster started: e2e/scripts/runtime-image.sh)`;
}

async function server<T>(name: ServerName): Promise<T> {
  const out = await infra(name, "start");
  return JSON.parse(out.trim().split("\n").at(-1) ?? "") as T;
}

/**
 * The suite's own MariaDB, the one a scenario may stop (never the shared 33306 one). Its port has a
 * relay on the node IP (E2E_REAL_INFRA_PORTS in e2e/scripts/common.sh).
 */
export const OWN_MARIADB_PORT = Number(process.env.E2E_FULLSTACK_MARIADB_PORT ?? 33316);

/** `TRACARDI_MARIADB_PORT=<own port> infra/mariadb.sh start|stop`; start prints the connection JSON. */
export function ownMariaDb(command: "start" | "stop"): Promise<MariaDbInfo | undefined> {
  return new Promise((done, fail) => {
    execFile(
      "bash",
      [join(ROOT, "infra/mariadb.sh"), command],
      {
        cwd: ROOT,
        env: { ...process.env, TRACARDI_MARIADB_PORT: String(OWN_MARIADB_PORT) },
        timeout: 600_000,
      },
      (error, out, err) => {
        if (error)
          return fail(
            new Error(`infra/mariadb.sh ${command} (${OWN_MARIADB_PORT}): ${err || error.message}`),
          );
        done(
          command === "start" ? (JSON.parse(out.trim().split("\n").at(-1) ?? "") as MariaDbInfo) : undefined,
        );
      },
    );
  });
}

/** A URL of a loopback server as pods reach it: the same port on the node IP. */
const onNode = (url: string): string => {
  const u = new URL(url);
  u.hostname = NODE_IP;
  return u.toString().replace(/\/$/, "");
};

export interface Backends {
  prefix: string;
  database: string;
  mysql: MariaDbInfo;
  pulsarWebUrl: string;
  searchUrl: string;
}

/**
 * Starts the servers unless they run (idempotent, never restarts one) and creates a database, on the
 * shared MariaDB or (ownMariaDb) on the suite's own instance.
 */
export async function backends(name: string, ownMariaDbInstance = false): Promise<Backends> {
  const run = randomBytes(4).toString("hex");
  const [mysql, pulsar, search] = await Promise.all([
    ownMariaDbInstance ? (ownMariaDb("start") as Promise<MariaDbInfo>) : server<MariaDbInfo>("mariadb"),
    server<{ webUrl: string }>("pulsar"),
    server<{ url: string }>("opensearch"),
  ]);
  const database = `tracardi_${name}_${run}`;
  await onMariaDb(mysql, (sql) => sql(`CREATE DATABASE \`${database}\``));
  return { prefix: `${name}-${run}-`, database, mysql, pulsarWebUrl: pulsar.webUrl, searchUrl: search.url };
}

/** Drops what backends() and the runtime created: database, indices, topics. */
export async function dropBackends(b: Backends): Promise<void> {
  await onMariaDb(b.mysql, (sql) => sql(`DROP DATABASE IF EXISTS \`${b.database}\``));
  for (const index of Object.values(indexNames(b.prefix))) {
    await fetch(`${b.searchUrl}/${index}`, { method: "DELETE" });
  }
  const namespace = `${b.pulsarWebUrl}/admin/v2/persistent/public/default`;
  const topics = (await (await fetch(namespace)).json()) as string[];
  for (const topic of topics) {
    const topicName = topic.split("/").pop() ?? "";
    if (topicName.startsWith(b.prefix)) {
      await fetch(`${namespace}/${encodeURIComponent(topicName)}?force=true`, { method: "DELETE" });
    }
  }
}

/** Pod placement on real-0 and nowhere else (the node's label and taint). */
export const ON_REAL_NODE = {
  nodeSelector: { "kubernetes.io/hostname": "real-0" },
  tolerations: [{ key: "e2e.tracardi.io/real-node", operator: "Equal", value: "true", effect: "NoSchedule" }],
};

/** The Tracardi spec: collector worker on, everything pinned to real-0, Secrets by reference. */
export function fullstackSpec(b: Backends, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const mysqlUrl = new URL(b.mysql.url);
  return {
    image: IMAGE,
    imagePullPolicy: "IfNotPresent",
    license: { secretRef: { name: "tracardi-license" } },
    search: { flavor: "opensearch", url: onNode(b.searchUrl), indexPrefix: b.prefix },
    mysql: {
      host: NODE_IP,
      port: Number(mysqlUrl.port),
      database: b.database,
      credentialsSecretRef: { name: MYSQL_SECRET },
    },
    pulsar: {
      url: `pulsar://${NODE_IP}:16650`,
      webUrl: onNode(b.pulsarWebUrl),
      topicPrefix: b.prefix,
    },
    scheduling: ON_REAL_NODE,
    workers: { collector: { enabled: true } },
    ...extra,
  };
}

export interface Fullstack {
  ns: string;
  name: string;
  backends: Backends;
  operator: OperatorProcess;
  /** The key pair the operator checks licences with; issues keys for the `tracardi-license` Secret. */
  license: LicenseKit;
  /** Stops the operator, deletes the namespace (pods first) and drops the data. */
  close: () => Promise<void>;
}

export interface DeployOptions {
  /** Days the licence in the Secret is valid for (negative: expired that many days ago); 365. */
  licenseDays?: number;
  /** The database on the suite's own MariaDB (OWN_MARIADB_PORT) instead of the shared one. */
  ownMariaDb?: boolean;
  /** Extra flags for the operator (e.g. `--autoscale-interval-seconds 2`). */
  operatorArgs?: string[];
}

/** Namespace, licence and MySQL Secrets, the operator, and the Tracardi applied. */
export async function deployFullstack(
  name: string,
  extra: Record<string, unknown> = {},
  options: DeployOptions = {},
): Promise<Fullstack> {
  await ensureCrd();
  const b = await backends(name, options.ownMariaDb);
  const ns = await createNamespace(`e2e-fs-${name}`);
  const kit = licenseKit();
  await putLicenseSecret(ns, kit.key(options.licenseDays ?? 365));
  await applyJson(
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: MYSQL_SECRET, namespace: ns },
      type: "Opaque",
      stringData: { username: b.mysql.user, password: b.mysql.password },
    },
    ns,
  );
  const operator = startOperator({
    namespace: ns,
    publicKey: kit.publicKey,
    extraArgs: options.operatorArgs,
  });
  await applyJson(tracardiObject(ns, name, fullstackSpec(b, extra)), ns);
  return {
    ns,
    name,
    backends: b,
    operator,
    license: kit,
    close: async () => {
      await operator.stop();
      await deleteNamespace(ns);
      // Running pods would re-create the topics dropped under them: wait until they are gone.
      await waitFor(
        `no pods left in ${ns}`,
        async () => (await list("pods", { namespace: ns })).length === 0,
        {
          timeoutMs: 90_000,
          intervalMs: 1_000,
        },
      ).catch(() => undefined);
      await dropBackends(b);
    },
  };
}

interface Deployment {
  metadata: { name: string };
  spec: { replicas: number };
  status?: { readyReplicas?: number; updatedReplicas?: number; replicas?: number };
}

/** Until the instance has `count` Deployments, each with all its pods updated and Ready (and no old ones). */
export function readyDeployments(ns: string, instance: string, count: number): Promise<Deployment[]> {
  return waitFor(
    `${count} Deployments of ${ns}/${instance} Ready and up to date`,
    async () => {
      const all = await getJson<{ items: Deployment[] }>([
        "-n",
        ns,
        "get",
        "deployments",
        "-l",
        `app.kubernetes.io/instance=${instance}`,
      ]);
      // A Deployment at 0 replicas (a worker scaled to zero) has no counts in its status.
      const whole = (d: Deployment) =>
        (d.status?.readyReplicas ?? 0) === d.spec.replicas &&
        (d.status?.updatedReplicas ?? 0) === d.spec.replicas &&
        (d.status?.replicas ?? 0) === d.spec.replicas;
      return all.items.length === count && all.items.every(whole) ? all.items : undefined;
    },
    { timeoutMs: 240_000, intervalMs: 1_000 },
  );
}

/** The ClusterIP base URL of a Service (reached through kube-proxy's rules on this machine). */
export async function serviceUrl(ns: string, service: string): Promise<string> {
  const svc = await getJson<{ spec: { clusterIP: string; ports: { port: number }[] } }>([
    "-n",
    ns,
    "get",
    "service",
    service,
  ]);
  return `http://${svc.spec.clusterIP}:${svc.spec.ports[0]?.port ?? 80}`;
}

/** The token of the private API from the Secret the operator generated. */
export async function adminToken(ns: string, name: string): Promise<string> {
  const secret = await getJson<{ data: { token: string } }>([
    "-n",
    ns,
    "get",
    "secret",
    `${name}-admin-token`,
  ]);
  return Buffer.from(secret.data.token, "base64").toString("utf8");
}
