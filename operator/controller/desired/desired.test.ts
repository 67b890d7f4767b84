import { describe, expect, it } from "vitest";
import { DEFAULT_WORKER_AUTOSCALING } from "../../api/defaults.js";
import { sampleTracardi } from "../../testing/fixtures.js";
import {
  adminTokenRef,
  CONFIG_HASH_ANNOTATION,
  desiredState,
  generatedAdminTokenSecret,
  newAdminToken,
} from "./index.js";

const settings = { licensePublicKey: "-----BEGIN PUBLIC KEY-----\nabc\n-----END PUBLIC KEY-----\n" };

describe("desiredState", () => {
  it("creates a Deployment per enabled component with the seed's names (defaults: background + apm)", () => {
    const d = desiredState(sampleTracardi(), settings);
    expect(d.deployments.map((x) => x.metadata?.name)).toEqual([
      "demo-public-api",
      "demo-private-api",
      "demo-wk-pl-background",
      "demo-wk-apm",
    ]);
    expect(d.disabled).toEqual(["wk-pl-collector", "wk-pl-workflow"]);
  });

  it("labels children and selects pods by name/instance/component", () => {
    const d = desiredState(sampleTracardi(), settings);
    const bg = d.deployments.find((x) => x.metadata?.name === "demo-wk-pl-background");
    expect(bg?.metadata?.labels).toEqual({
      "app.kubernetes.io/name": "tracardi",
      "app.kubernetes.io/instance": "demo",
      "app.kubernetes.io/component": "wk-pl-background",
      "app.kubernetes.io/managed-by": "tracardi-operator",
    });
    expect(bg?.spec?.selector.matchLabels).toEqual({
      "app.kubernetes.io/name": "tracardi",
      "app.kubernetes.io/instance": "demo",
      "app.kubernetes.io/component": "wk-pl-background",
    });
    expect(bg?.spec?.template.metadata?.labels?.["app.kubernetes.io/component"]).toBe("wk-pl-background");
    expect(bg?.metadata?.namespace).toBe("shop");
  });

  it("sets controller owner references on every child", () => {
    const d = desiredState(sampleTracardi(), settings);
    for (const child of [d.configMap, ...d.services, ...d.deployments]) {
      expect(child.metadata?.ownerReferences).toEqual([
        {
          apiVersion: "tracardi.io/v1alpha1",
          kind: "Tracardi",
          name: "demo",
          uid: "uid-1",
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
    }
  });

  it("runs each component by command from one image", () => {
    const d = desiredState(
      sampleTracardi((s) => {
        s.workers.collector.enabled = true;
        s.workers.workflow.enabled = true;
      }),
      settings,
    );
    const args = Object.fromEntries(
      d.deployments.map((x) => [x.metadata?.name, x.spec?.template.spec?.containers[0]?.args?.join(" ")]),
    );
    expect(args).toEqual({
      "demo-public-api": "api --role public",
      "demo-private-api": "api --role private",
      "demo-wk-pl-collector": "worker collector",
      "demo-wk-pl-background": "worker background",
      "demo-wk-apm": "worker apm",
    });
    const images = new Set(d.deployments.map((x) => x.spec?.template.spec?.containers[0]?.image));
    expect(images).toEqual(new Set(["tracardi/tracardi-ts:1.1.0"]));
  });

  it("hardens pods: non-root, read-only root fs with an emptyDir /tmp, probes, resources", () => {
    const d = desiredState(sampleTracardi(), settings);
    const pub = d.deployments[0]?.spec?.template.spec;
    const c = pub?.containers[0];
    expect(pub?.securityContext?.runAsNonRoot).toBe(true);
    expect(c?.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
    });
    expect(c?.volumeMounts).toContainEqual({ name: "tmp", mountPath: "/tmp" });
    expect(pub?.volumes).toContainEqual({ name: "tmp", emptyDir: {} });
    expect(c?.readinessProbe?.httpGet).toEqual({ path: "/readyz", port: "http" });
    expect(c?.livenessProbe?.httpGet).toEqual({ path: "/healthz", port: "http" });
    expect(c?.ports).toEqual([{ name: "http", containerPort: 8686, protocol: "TCP" }]);
    expect(c?.resources).toEqual({
      requests: { cpu: "100m", memory: "100Mi" },
      limits: { cpu: "500m", memory: "300Mi" },
    });
    const worker = d.deployments[2]?.spec?.template.spec?.containers[0];
    expect(worker?.ports).toEqual([{ name: "health", containerPort: 8688, protocol: "TCP" }]);
    expect(worker?.readinessProbe?.httpGet?.port).toBe("health");
  });

  it("passes spec and per-component pod labels through, but never over the operator's labels", () => {
    const d = desiredState(
      sampleTracardi((s) => {
        s.podLabels = { team: "data", "app.kubernetes.io/component": "hijack" };
        s.workers.background.podLabels = { "e2e.tracardi.io/fault": "oom" };
      }),
      settings,
    );
    const bg = d.deployments.find((x) => x.metadata?.name === "demo-wk-pl-background");
    const labels = bg?.spec?.template.metadata?.labels;
    expect(labels?.team).toBe("data");
    expect(labels?.["e2e.tracardi.io/fault"]).toBe("oom");
    expect(labels?.["app.kubernetes.io/component"]).toBe("wk-pl-background");
    const pub = d.deployments.find((x) => x.metadata?.name === "demo-public-api");
    expect(pub?.spec?.template.metadata?.labels?.["e2e.tracardi.io/fault"]).toBeUndefined();
  });

  it("creates Services for both APIs targeting the named port", () => {
    const d = desiredState(
      sampleTracardi((s) => (s.api.public.service.port = 80)),
      settings,
    );
    expect(
      d.services.map((s) => [s.metadata?.name, s.spec?.ports?.[0]?.port, s.spec?.ports?.[0]?.targetPort]),
    ).toEqual([
      ["demo-public-api", 80, "http"],
      ["demo-private-api", 8687, "http"],
    ]);
    expect(d.services[0]?.spec?.selector?.["app.kubernetes.io/component"]).toBe("public-api");
  });

  it("writes the shared runtime configuration into <name>-config", () => {
    const d = desiredState(sampleTracardi(), settings);
    expect(d.configMap.metadata?.name).toBe("demo-config");
    expect(d.configMap.data).toMatchObject({
      TRACARDI_PUBLIC_PORT: "8686",
      TRACARDI_PRIVATE_PORT: "8687",
      TRACARDI_HEALTH_PORT: "8688",
      TRACARDI_QUEUE: "pulsar",
      TRACARDI_PULSAR_URL: "pulsar://pulsar:6650",
      TRACARDI_STORE: "elasticsearch",
      TRACARDI_SEARCH_URL: "http://elasticsearch:9200",
      TRACARDI_MYSQL_URL: "mysql://mysql:3306/tracardi",
      TRACARDI_PROCESS_INLINE: "true",
      TRACARDI_WORKFLOW_ENABLED: "false",
      TRACARDI_LICENSE_PUBLIC_KEY: settings.licensePublicKey,
    });
    const opensearch = desiredState(
      sampleTracardi((s) => (s.search.flavor = "opensearch")),
      {},
    );
    expect(opensearch.configMap.data?.TRACARDI_STORE).toBe("opensearch");
    expect(opensearch.configMap.data?.TRACARDI_LICENSE_PUBLIC_KEY).toBeUndefined();
    const noPulsar = desiredState(
      sampleTracardi((s) => delete s.pulsar),
      {},
    );
    expect(noPulsar.configMap.data?.TRACARDI_QUEUE).toBe("embedded");
  });

  it("with the collector on, the API stops processing inline; with workflow on, workflows are enabled", () => {
    const d = desiredState(
      sampleTracardi((s) => {
        s.workers.collector.enabled = true;
        s.workers.workflow.enabled = true;
      }),
      settings,
    );
    expect(d.configMap.data?.TRACARDI_PROCESS_INLINE).toBe("false");
    expect(d.configMap.data?.TRACARDI_WORKFLOW_ENABLED).toBe("true");
    // Flows run in the collector stage: no workflow pod, and one left by an older operator is deleted.
    expect(d.disabled).toEqual(["wk-pl-workflow"]);
  });

  it("rolls pods when the configuration changes (config hash in the pod template)", () => {
    const hash = (collector: boolean) =>
      desiredState(
        sampleTracardi((s) => (s.workers.collector.enabled = collector)),
        settings,
      ).deployments[0]?.spec?.template.metadata?.annotations?.[CONFIG_HASH_ANNOTATION];
    expect(hash(false)).toMatch(/^[0-9a-f]{16}$/);
    expect(hash(false)).not.toBe(hash(true));
    expect(hash(false)).toBe(hash(false));
  });

  it("passes credentials only as Secret references", () => {
    const d = desiredState(
      sampleTracardi((s) => {
        s.mysql.credentialsSecretRef = { name: "db", usernameKey: "u", passwordKey: "p" };
        s.search.credentialsSecretRef = { name: "es", usernameKey: "username", passwordKey: "password" };
        s.pulsar = { url: "pulsar://p:6650", tokenSecretRef: { name: "pt", key: "token" } };
        s.adminToken = { secretRef: { name: "admin", key: "token" } };
      }),
      settings,
    );
    const privateApi = d.deployments.find((x) => x.metadata?.name === "demo-private-api");
    const env = privateApi?.spec?.template.spec?.containers[0]?.env ?? [];
    expect(env.every((e) => e.value === undefined && e.valueFrom?.secretKeyRef)).toBe(true);
    expect(Object.fromEntries(env.map((e) => [e.name, e.valueFrom?.secretKeyRef?.name]))).toEqual({
      TRACARDI_LICENSE: "tracardi-license",
      TRACARDI_ADMIN_TOKEN: "admin",
      TRACARDI_MYSQL_USER: "db",
      TRACARDI_MYSQL_PASSWORD: "db",
      TRACARDI_SEARCH_USER: "es",
      TRACARDI_SEARCH_PASSWORD: "es",
      TRACARDI_PULSAR_TOKEN: "pt",
    });
    expect(env.find((e) => e.name === "TRACARDI_MYSQL_PASSWORD")?.valueFrom?.secretKeyRef?.key).toBe("p");
  });

  it("without spec.adminToken points the private API at the generated <name>-admin-token Secret, and only it", () => {
    const d = desiredState(sampleTracardi(), settings);
    const envOf = (name: string) =>
      d.deployments.find((x) => x.metadata?.name === name)?.spec?.template.spec?.containers[0]?.env ?? [];
    expect(envOf("demo-private-api").find((e) => e.name === "TRACARDI_ADMIN_TOKEN")?.valueFrom).toEqual({
      secretKeyRef: { name: "demo-admin-token", key: "token", optional: false },
    });
    for (const name of ["demo-public-api", "demo-wk-pl-background", "demo-wk-apm"])
      expect(envOf(name).some((e) => e.name === "TRACARDI_ADMIN_TOKEN")).toBe(false);
  });

  it("the generated admin-token Secret: owned, labelled, the token under key token; none when the spec names one", () => {
    const secret = generatedAdminTokenSecret(sampleTracardi(), "abc");
    expect(secret?.metadata).toMatchObject({
      name: "demo-admin-token",
      namespace: "shop",
      labels: { "app.kubernetes.io/instance": "demo", "app.kubernetes.io/managed-by": "tracardi-operator" },
      ownerReferences: [{ kind: "Tracardi", uid: "uid-1", controller: true }],
    });
    expect(secret?.data).toEqual({ token: Buffer.from("abc").toString("base64") });
    const named = sampleTracardi((s) => {
      s.adminToken = { secretRef: { name: "admin", key: "t" } };
    });
    expect(generatedAdminTokenSecret(named, "abc")).toBeNull();
    expect(adminTokenRef(named)).toEqual({ name: "admin", key: "t" });
    expect(newAdminToken()).not.toBe(newAdminToken());
  });

  it("passes spec.pulsar.webUrl as TRACARDI_PULSAR_WEB_URL when given", () => {
    const config = (webUrl?: string) =>
      desiredState(
        sampleTracardi((s) => {
          s.pulsar = webUrl ? { url: "pulsar://p:16650", webUrl } : { url: "pulsar://p:6650" };
        }),
        settings,
      ).configMap.data ?? {};
    expect(config("http://p:18080")).toMatchObject({
      TRACARDI_PULSAR_URL: "pulsar://p:16650",
      TRACARDI_PULSAR_WEB_URL: "http://p:18080",
    });
    expect(config()).not.toHaveProperty("TRACARDI_PULSAR_WEB_URL");
  });

  it("passes spec.pulsar.topicPrefix and spec.search.indexPrefix so Tracardis can share the servers", () => {
    const config = (prefixes: boolean) =>
      desiredState(
        sampleTracardi((s) => {
          s.pulsar = { url: "pulsar://p:6650", ...(prefixes ? { topicPrefix: "shop-" } : {}) };
          if (prefixes) s.search.indexPrefix = "shop-";
        }),
        settings,
      ).configMap.data ?? {};
    expect(config(true)).toMatchObject({
      TRACARDI_PULSAR_TOPIC_PREFIX: "shop-",
      TRACARDI_SEARCH_INDEX_PREFIX: "shop-",
    });
    expect(config(false)).not.toHaveProperty("TRACARDI_PULSAR_TOPIC_PREFIX");
    expect(config(false)).not.toHaveProperty("TRACARDI_SEARCH_INDEX_PREFIX");
  });

  it("honours replicas and stringifies numeric quantities", () => {
    const d = desiredState(
      sampleTracardi((s) => {
        s.workers.apm.replicas = 3;
        s.workers.apm.resources = { limits: { cpu: 2, memory: "1Gi" } };
      }),
      settings,
    );
    const apm = d.deployments.find((x) => x.metadata?.name === "demo-wk-apm");
    expect(apm?.spec?.replicas).toBe(3);
    expect(apm?.spec?.template.spec?.containers[0]?.resources).toEqual({
      limits: { cpu: "2", memory: "1Gi" },
    });
  });

  it("leaves spec.replicas out of an autoscaled worker's Deployment (the autoscaler's field manager owns it)", () => {
    const d = desiredState(
      sampleTracardi((s) => {
        s.workers.collector.enabled = true;
        s.workers.collector.replicas = 4;
        s.workers.collector.autoscaling = { ...DEFAULT_WORKER_AUTOSCALING, enabled: true };
        s.workers.background.autoscaling = { ...DEFAULT_WORKER_AUTOSCALING, enabled: false };
      }),
      settings,
    );
    const byName = (n: string) => d.deployments.find((x) => x.metadata?.name === n);
    expect(byName("demo-wk-pl-collector")?.spec).not.toHaveProperty("replicas");
    expect(byName("demo-wk-pl-background")?.spec?.replicas).toBe(1);
    expect(byName("demo-public-api")?.spec?.replicas).toBe(1);
  });
});

describe("desired Deployments follow the table process → stages", () => {
  const names = (d: ReturnType<typeof desiredState>) =>
    d.deployments.map((x) => x.metadata?.name?.replace(/^demo-/, "")).sort();
  const args = (d: ReturnType<typeof desiredState>) =>
    Object.fromEntries(
      d.deployments.map((x) => [
        x.metadata?.name?.replace(/^demo-/, ""),
        x.spec?.template.spec?.containers[0]?.args?.join(" "),
      ]),
    );

  // Over Pulsar: every toggle combination of collector, workflow and apm (background is required).
  const combos = [false, true].flatMap((collector) =>
    [false, true].flatMap((workflow) => [false, true].map((apm) => ({ collector, workflow, apm }))),
  );
  it.each(combos)("over Pulsar with %o", ({ collector, workflow, apm }) => {
    const d = desiredState(
      sampleTracardi((s) => {
        s.workers.collector.enabled = collector;
        s.workers.workflow.enabled = workflow;
        s.workers.apm.enabled = apm;
      }),
      settings,
    );
    const expected = [
      "private-api",
      "public-api",
      // Storage and dispatch run only here, whether or not the collector worker runs.
      "wk-pl-background",
      ...(collector ? ["wk-pl-collector"] : []),
      // The merge pass runs only here.
      ...(apm ? ["wk-apm"] : []),
    ].sort();
    expect(names(d)).toEqual(expected);
    expect(d.disabled.sort()).toEqual(
      ["wk-pl-workflow", ...(collector ? [] : ["wk-pl-collector"]), ...(apm ? [] : ["wk-apm"])].sort(),
    );
    expect(args(d)).toMatchObject({
      "public-api": "api --role public",
      "private-api": "api --role private",
      "wk-pl-background": "worker background",
    });
    // The public API runs the collector stage exactly when no collector worker does.
    expect(d.configMap.data?.TRACARDI_PROCESS_INLINE).toBe(String(!collector));
    // Flows are switched, never given a pod.
    expect(d.configMap.data?.TRACARDI_WORKFLOW_ENABLED).toBe(String(workflow));
    expect(d.configMap.data?.TRACARDI_MERGE_INTERVAL_MS).toBe(apm ? undefined : "0");
  });

  it.each([false, true])(
    "without Pulsar only the APIs run (the public API runs every stage on its own queue); apm %s switches its merge pass",
    (apm) => {
      const d = desiredState(
        sampleTracardi((s) => {
          delete s.pulsar;
          s.workers.background.enabled = false;
          s.workers.apm.enabled = apm;
          s.workers.workflow.enabled = true;
        }),
        settings,
      );
      expect(names(d)).toEqual(["private-api", "public-api"]);
      expect(d.disabled.sort()).toEqual(["wk-apm", "wk-pl-background", "wk-pl-collector", "wk-pl-workflow"]);
      expect(d.configMap.data?.TRACARDI_QUEUE).toBe("embedded");
      expect(d.configMap.data?.TRACARDI_PROCESS_INLINE).toBe("true");
      expect(d.configMap.data?.TRACARDI_MERGE_INTERVAL_MS).toBe(apm ? undefined : "0");
    },
  );
});
