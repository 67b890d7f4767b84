import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PulsarConsumerSocket } from "../../runtime/adapters/pulsar/consumer.js";
import { topicPath, wsUrlFromWebUrl } from "../../runtime/adapters/pulsar/names.js";
import { PulsarQueue } from "../../runtime/adapters/pulsar/queue.js";
import { inKeyOrder } from "../../runtime/ports/queue.js";
import { infra } from "../../runtime/test/infra/servers.js";
import {
  applyJson,
  createNamespace,
  deleteNamespace,
  ensureCrd,
  getJson,
  IN_CLUSTER,
  kubectl,
  licenseKit,
  type OperatorProcess,
  putLicenseSecret,
  sampleSpec,
  startOperator,
  tracardiObject,
  waitFor,
  waitForCondition,
} from "./helpers.js";

// PipelineFlowing against the real Pulsar of infra/ (shared, never restarted) on the kwok cluster:
// kwok pods consume nothing, so whatever the test publishes waits with no consumer until the test
// connects consumers of its own on the runtime's subscriptions. The operator reads Pulsar every second
// (--autoscale-interval-seconds 1) and the spec's windows are 3 s, so the suite takes seconds.

const NAME = "flow";
const prefix = `e2e-pf-${randomBytes(4).toString("hex")}-`;
const kit = licenseKit();
let ns = "";
let operator: OperatorProcess;
let pulsar: { serviceUrl: string; webUrl: string };
let queue: PulsarQueue;

const naming = () => ({ tenant: "public", namespace: "default", prefix });

async function subscriptionBacklog(topic: string, subscription: string): Promise<number> {
  const res = await fetch(`${pulsar.webUrl}/admin/v2/persistent/${topic}/stats`);
  if (res.status === 404) return 0;
  const stats = (await res.json()) as { subscriptions?: Record<string, { msgBacklog?: number }> };
  return stats.subscriptions?.[subscription]?.msgBacklog ?? 0;
}
const collectorBacklog = () => subscriptionBacklog(topicPath(naming(), "collector"), `${prefix}collector`);

/** A consumer on the collector stage's own subscription that takes messages as a collector would. */
function collectorSocket(): PulsarConsumerSocket {
  return new PulsarConsumerSocket(
    wsUrlFromWebUrl(pulsar.webUrl),
    topicPath(naming(), "collector"),
    `${prefix}collector`,
    { subscriptionType: "Shared", connectTimeoutMs: 10_000, nackDelayMs: 1000 },
  );
}

async function publish(count: number, from = 0): Promise<void> {
  await queue.publish(
    "collector",
    Array.from({ length: count }, (_, i) => ({ key: `k${from + i}`, body: { n: from + i } })),
  );
}

/** Acknowledges everything waiting on the collector stage. */
async function drain(): Promise<void> {
  const subscription = queue.consume(
    "collector",
    inKeyOrder(async () => ({ kind: "ack" })),
    { maxBatch: 100, maxAttempts: 3 },
  );
  try {
    await waitFor("the collector backlog drained", async () => (await collectorBacklog()) === 0);
  } finally {
    await subscription.close();
  }
}

async function describeText(): Promise<string> {
  return await kubectl(["-n", ns, "describe", "tracardi", NAME]);
}

/** The notes of this Tracardi's Events with a reason. */
async function notes(reason: string): Promise<string[]> {
  const events = await getJson<{ items: { reason: string; note?: string; regarding?: { name: string } }[] }>([
    "-n",
    ns,
    "get",
    "events.events.k8s.io",
  ]);
  return events.items
    .filter((e) => e.reason === reason && e.regarding?.name === NAME)
    .map((e) => e.note ?? "");
}

const flowing = () =>
  waitForCondition(ns, NAME, "PipelineFlowing", { status: "True", reason: "Flowing" }, 30_000);

beforeAll(async () => {
  const out = await infra("pulsar", "start");
  pulsar = JSON.parse(out.trim().split("\n").at(-1) ?? "{}") as typeof pulsar;
  queue = new PulsarQueue({ webUrl: pulsar.webUrl, naming: { prefix } });
  await ensureCrd();
  ns = await createNamespace("e2e-op-flowing");
  await putLicenseSecret(ns, kit.key(365));
  operator = startOperator({
    namespace: ns,
    publicKey: kit.publicKey,
    extraArgs: ["--autoscale-interval-seconds", "1"],
  });
  await applyJson(
    tracardiObject(
      ns,
      NAME,
      sampleSpec({
        pulsar: { url: pulsar.serviceUrl, webUrl: pulsar.webUrl, topicPrefix: prefix },
        workers: { collector: { enabled: true, replicas: 1 } },
        diagnostics: { stallSeconds: 3, fallingBehindSeconds: 3 },
      }),
    ),
    ns,
  );
});

afterAll(async () => {
  await queue?.close();
  await operator?.stop();
  if (ns) await deleteNamespace(ns);
  if (pulsar) {
    const base = `${pulsar.webUrl}/admin/v2/persistent/public/default`;
    for (const stage of ["collector", "storage", "dispatch", "workflow"])
      for (const name of [`${prefix}${stage}`, `${prefix}${stage}-dead-letters`])
        await fetch(`${base}/${name}?force=true`, { method: "DELETE" }).catch(() => undefined);
  }
});

// The operator runs on this machine and reaches Pulsar on loopback; in-cluster it could not.
describe.skipIf(IN_CLUSTER)("PipelineFlowing from the real Pulsar", () => {
  it("an idle pipeline flows, and Ready=True", async () => {
    await flowing();
    await waitForCondition(ns, NAME, "Ready", { status: "True" }, 60_000);
  });

  it("a backlog nobody consumes (kwok pods) → False/NoConsumers naming the stage, the count and the Deployment; Ready=False; a Warning Event", async () => {
    await publish(5);
    const c = await waitForCondition(
      ns,
      NAME,
      "PipelineFlowing",
      { status: "False", reason: "NoConsumers" },
      30_000,
    );
    expect(c.message).toContain(
      `stage collector: 5 messages wait on public/default/${prefix}collector (subscription ${prefix}collector) and no consumer is connected; Deployment ${NAME}-wk-pl-collector (1 replica) should consume it`,
    );
    await waitForCondition(ns, NAME, "Ready", { status: "False", reason: "NoConsumers" }, 30_000);
    await waitFor("Warning NoConsumers in describe", async () =>
      /Warning\s+NoConsumers/.test(await describeText()),
    );
  });

  it("a consumer that connects and never acknowledges → False/Stalled after stallSeconds", async () => {
    const socket = collectorSocket();
    try {
      const taken = await socket.take(5, Number.POSITIVE_INFINITY, 5000);
      expect(taken.length).toBeGreaterThan(0);
      const c = await waitForCondition(
        ns,
        NAME,
        "PipelineFlowing",
        { status: "False", reason: "Stalled" },
        30_000,
      );
      expect(c.message).toMatch(
        new RegExp(
          `stage collector: 5 messages wait .* and its 1 consumer acknowledged nothing for \\d+ s \\(spec.diagnostics.stallSeconds 3\\)`,
        ),
      );
      expect(c.message).toContain(`kubectl -n ${ns} rollout restart deployment/${NAME}-wk-pl-collector`);
    } finally {
      await socket.close();
    }
    await waitForCondition(ns, NAME, "PipelineFlowing", { reason: "NoConsumers" }, 30_000);
    await drain();
    await flowing();
    await waitFor(
      "PipelineFlowingRecovered Event",
      async () => (await notes("PipelineFlowingRecovered")).length > 0,
    );
    expect(await notes("Stalled")).toHaveLength(1);
  });

  it("a backlog that grows faster than its consumer acknowledges at fixed replicas → False/FallingBehind with the rate and the doubling time", async () => {
    const socket = collectorSocket();
    let sent = 0;
    let stop = false;
    // Publishes 20 and acknowledges 2 every 300 ms: the consumer makes progress, the backlog grows.
    const load = (async () => {
      while (!stop) {
        await publish(20, sent);
        sent += 20;
        for (const m of await socket.take(2, Number.POSITIVE_INFINITY, 300)) socket.ack(m.messageId);
      }
    })();
    try {
      const c = await waitForCondition(
        ns,
        NAME,
        "PipelineFlowing",
        { status: "False", reason: "FallingBehind" },
        40_000,
      );
      expect(c.message).toMatch(
        new RegExp(
          `stage collector: [\\d,]+ messages wait .* and it grew by [\\d.,]+ messages/(s|min) for the last 3 s \\(spec.diagnostics.fallingBehindSeconds\\); at this rate it doubles in [\\d.]+ (s|min|h)`,
        ),
      );
      expect(c.message).toContain(
        `Deployment ${NAME}-wk-pl-collector runs its fixed spec.workers.collector.replicas (1): raise them or turn on spec.workers.collector.autoscaling`,
      );
    } finally {
      stop = true;
      await load;
      await socket.close();
    }
    await drain();
    await flowing();
  });

  it("a stage that dead-letters a message → False/DeadLetters with the count, the topic, the reason and the replay call; clears when purged", async () => {
    await queue.publish("storage", [{ key: "p1", body: { n: 1 } }]);
    const storage = queue.consume(
      "storage",
      inKeyOrder(async () => ({ kind: "dead-letter", reason: "e2e: refused on purpose" })),
      { maxBatch: 10, maxAttempts: 1 },
    );
    try {
      const c = await waitForCondition(
        ns,
        NAME,
        "PipelineFlowing",
        { status: "False", reason: "DeadLetters" },
        30_000,
      );
      expect(c.message).toContain(
        `stage storage: 1 dead letter on public/default/${prefix}storage-dead-letters`,
      );
      expect(c.message).toContain("the newest failed with: e2e: refused on purpose");
      expect(c.message).toContain(
        `POST /api/v1/dead-letters/replay {"topic":"storage"} (Service ${ns}/${NAME}-private-api port 8687, Authorization: Bearer <token of Secret ${NAME}-admin-token>)`,
      );
      await waitFor("Warning DeadLetters in describe", async () =>
        /Warning\s+DeadLetters/.test(await describeText()),
      );
    } finally {
      await storage.close();
    }
    expect(await queue.deleteDeadLetters({ topic: "storage" })).toBe(1);
    await flowing();
  });
});
