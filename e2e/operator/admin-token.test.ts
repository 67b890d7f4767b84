import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  applyJson,
  createNamespace,
  deleteNamespace,
  ensureCrd,
  getJson,
  kubectl,
  kubectlRaw,
  licenseKit,
  type OperatorProcess,
  putLicenseSecret,
  sampleSpec,
  startOperator,
  tracardi,
  tracardiObject,
  waitFor,
} from "./helpers.js";

interface SecretJson {
  metadata: {
    uid: string;
    resourceVersion: string;
    ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean }[];
  };
  data?: Record<string, string>;
}
interface PodJson {
  metadata: { name: string };
  spec: {
    containers: { env?: { name: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[] }[];
  };
}

const NAME = "tok";
const SECRET = `${NAME}-admin-token`;
let ns = "";
let operator: OperatorProcess;
const kit = licenseKit();

const secret = () => getJson<SecretJson>(["-n", ns, "get", "secret", SECRET]);
const privateApiPods = async () =>
  (
    await getJson<{ items: PodJson[] }>([
      "-n",
      ns,
      "get",
      "pods",
      "-l",
      `app.kubernetes.io/instance=${NAME},app.kubernetes.io/component=private-api`,
    ])
  ).items;

beforeAll(async () => {
  await ensureCrd();
  ns = await createNamespace("e2e-op-token");
  await putLicenseSecret(ns, kit.key(365));
  operator = startOperator({ namespace: ns, publicKey: kit.publicKey });
});

afterAll(async () => {
  await operator?.stop();
  if (ns) await deleteNamespace(ns);
});

describe("generated admin token (no spec.adminToken)", () => {
  let token = "";
  let resourceVersion = "";

  it("the operator creates <name>-admin-token, owned by the Tracardi", async () => {
    const spec = sampleSpec({ api: { private: { replicas: 2 } } });
    await applyJson(tracardiObject(ns, NAME, spec), ns);
    const created = await waitFor("admin-token Secret", async () => {
      const r = await kubectlRaw(["-n", ns, "get", "secret", SECRET, "-o", "json"]);
      return r.code === 0 ? (JSON.parse(r.stdout) as SecretJson) : undefined;
    });
    const owner = await getJson<{ metadata: { uid: string } }>(["-n", ns, "get", "tracardi", NAME]);
    expect(created.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: "Tracardi", name: NAME, uid: owner.metadata.uid, controller: true }),
    ]);
    token = Buffer.from(created.data?.token ?? "", "base64").toString("utf8");
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    resourceVersion = created.metadata.resourceVersion;
  });

  it("both private-api replicas read TRACARDI_ADMIN_TOKEN from that Secret", async () => {
    const pods = await waitFor("2 private-api pods", async () => {
      const p = await privateApiPods();
      return p.length === 2 ? p : undefined;
    });
    for (const pod of pods) {
      const env = pod.spec.containers[0]?.env ?? [];
      expect(env.find((e) => e.name === "TRACARDI_ADMIN_TOKEN")?.valueFrom?.secretKeyRef).toEqual(
        expect.objectContaining({ name: SECRET, key: "token" }),
      );
    }
  });

  it("the token is in no status, Event or operator log line", async () => {
    const t = await tracardi(ns, NAME);
    const events = await kubectl(["-n", ns, "get", "events", "-o", "json"]);
    expect(JSON.stringify(t)).not.toContain(token);
    expect(events).not.toContain(token);
    expect(operator.logs.join("")).not.toContain(token);
  });

  it("the Secret survives reconciles and an operator restart unchanged", async () => {
    // Each spec change is reconciled (observedGeneration catches up); the second one by a restarted
    // operator that remembers nothing.
    const bumpAndWait = async (replicas: number) => {
      await kubectl([
        "-n",
        ns,
        "patch",
        "tracardi",
        NAME,
        "--type=merge",
        "-p",
        JSON.stringify({ spec: { api: { public: { replicas } } } }),
      ]);
      await waitFor("generation observed", async () => {
        const t = await tracardi(ns, NAME);
        return t.status?.observedGeneration === t.metadata.generation;
      });
    };
    await bumpAndWait(2);
    await operator.stop();
    operator = startOperator({ namespace: ns, publicKey: kit.publicKey });
    await bumpAndWait(1);
    const after = await secret();
    expect(after.metadata.resourceVersion).toBe(resourceVersion);
    expect(Buffer.from(after.data?.token ?? "", "base64").toString("utf8")).toBe(token);
  });

  it("deleting the Tracardi removes the Secret", async () => {
    await kubectl(["-n", ns, "delete", "tracardi", NAME, "--wait=true", "--timeout=60s"]);
    await waitFor(
      "admin-token Secret gone",
      async () => (await kubectlRaw(["-n", ns, "get", "secret", SECRET])).code !== 0,
      90_000,
      1000,
    );
  });
});
