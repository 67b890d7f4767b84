import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  advanceStage,
  diagnosePipeline,
  type StageHistory,
} from "../../../operator/controller/diagnose/pipeline.js";
import { pulsarAdminConnection } from "../../../operator/pulsar/connection.js";
import { PulsarAdminPipelineStats } from "../../../operator/pulsar/stats.js";
import { PulsarQueue } from "../../adapters/pulsar/queue.js";
import { inKeyOrder } from "../../ports/queue.js";
import { ensureServer, type ServerInfo } from "./servers.js";

// What the operator reads from the real Pulsar to autoscale workers: per stage the backlog of the
// runtime's subscription, the rates and the consumers, for plain and partitioned topics.
interface PulsarInfo extends ServerInfo {
  serviceUrl: string;
  webUrl: string;
}

let server: PulsarInfo;
const prefix = `opstats-${randomBytes(4).toString("hex")}-`;

beforeAll(async () => {
  server = await ensureServer<PulsarInfo>("pulsar");
}, 15 * 60_000);

afterAll(async () => {
  const base = `${server.webUrl}/admin/v2/persistent/public/default`;
  const topics = (await (await fetch(base)).json()) as string[];
  const names = topics.map((t) => t.split("/").at(-1) ?? "").filter((name) => name.startsWith(prefix));
  await Promise.all(names.map((name) => fetch(`${base}/${name}?force=true`, { method: "DELETE" })));
  await fetch(`${base}/${prefix}storage/partitions?force=true`, { method: "DELETE" });
});

describe("PulsarAdminPipelineStats (operator/pulsar) against a real broker", () => {
  it("reads backlog, consumers and existence per stage, plain and partitioned, under spec.pulsar.topicPrefix", async () => {
    const stats = new PulsarAdminPipelineStats(
      pulsarAdminConnection({ url: server.serviceUrl, webUrl: server.webUrl, topicPrefix: prefix }),
    );
    const base = `${server.webUrl}/admin/v2/persistent/public/default`;
    const created = await fetch(`${base}/${prefix}storage/partitions`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: "3",
    });
    expect(created.status).toBe(204);

    const queue = new PulsarQueue({ webUrl: server.webUrl, naming: { prefix } });
    try {
      const before = await stats.stages(["collector", "dispatch"]);
      expect(before.map((s) => [s.stage, s.exists, s.backlog])).toEqual([
        ["collector", false, 0],
        ["dispatch", false, 0],
      ]);

      await queue.publish(
        "collector",
        Array.from({ length: 7 }, (_, i) => ({ key: `k${i}`, body: { n: i } })),
      );
      await queue.publish(
        "storage",
        Array.from({ length: 5 }, (_, i) => ({ key: `k${i}`, body: { n: i } })),
      );
      const [collector, storage] = await stats.stages(["collector", "storage"]);
      expect(collector).toMatchObject({
        stage: "collector",
        topic: `public/default/${prefix}collector`,
        subscription: `${prefix}collector`,
        exists: true,
        partitions: 0,
        backlog: 7,
        consumers: 0,
      });
      expect(storage).toMatchObject({ exists: true, partitions: 3, backlog: 5, consumers: 0 });

      // A consumer drains the collector stage: seen as a consumer, and the backlog goes to 0.
      const subscription = queue.consume(
        "collector",
        inKeyOrder(async () => ({ kind: "ack" })),
        {
          maxBatch: 10,
          maxAttempts: 3,
        },
      );
      try {
        await expect
          .poll(async () => (await stats.stages(["collector"]))[0], { timeout: 20_000, interval: 200 })
          .toMatchObject({ backlog: 0, consumers: 1 });
      } finally {
        await subscription.close();
      }
    } finally {
      await queue.close();
    }
  });

  it("PipelineFlowing's reads: the broker's last acknowledgement, the dead-letter backlog and the newest letter's reason", async () => {
    const stats = new PulsarAdminPipelineStats(
      pulsarAdminConnection({ url: server.serviceUrl, webUrl: server.webUrl, topicPrefix: prefix }),
    );
    const queue = new PulsarQueue({ webUrl: server.webUrl, naming: { prefix } });
    try {
      expect((await stats.deadLetters(["dispatch"]))[0]).toMatchObject({
        topic: `public/default/${prefix}dispatch-dead-letters`,
        exists: false,
        backlog: 0,
      });
      expect(await stats.lastDeadLetterReason("dispatch")).toBeUndefined();
      await queue.publish(
        "dispatch",
        Array.from({ length: 3 }, (_, i) => ({ key: `k${i}`, body: { n: i } })),
      );
      let handled = 0;
      const subscription = queue.consume(
        "dispatch",
        inKeyOrder(async () => {
          handled++;
          return handled === 1 ? { kind: "ack" } : { kind: "dead-letter", reason: `refused #${handled}` };
        }),
        { maxBatch: 1, maxAttempts: 1 },
      );
      try {
        await expect
          .poll(async () => (await stats.deadLetters(["dispatch"]))[0]?.backlog, {
            timeout: 20_000,
            interval: 200,
          })
          .toBe(2);
        const [dispatch] = await stats.stages(["dispatch"]);
        expect(dispatch?.consumers).toBe(1);
        expect(dispatch?.lastAckedTimestamp).toBeGreaterThan(0);
        expect(await stats.lastDeadLetterReason("dispatch")).toBe("refused #3");
      } finally {
        await subscription.close();
      }
    } finally {
      await queue.close();
    }
  });

  it("counts the messages a stage put back on its retry topic in the stage's backlog", async () => {
    const stats = new PulsarAdminPipelineStats(
      pulsarAdminConnection({ url: server.serviceUrl, webUrl: server.webUrl, topicPrefix: prefix }),
    );
    const queue = new PulsarQueue({ webUrl: server.webUrl, naming: { prefix } });
    try {
      await queue.publish(
        "workflow",
        Array.from({ length: 4 }, (_, i) => ({ key: `k${i}`, body: { n: i } })),
      );
      // Each is retried once, a minute later: they wait on the retry topic meanwhile.
      const subscription = queue.consume(
        "workflow",
        inKeyOrder(async () => ({ kind: "retry", reason: "later" })),
        { maxBatch: 10, maxAttempts: 3, retryBaseMs: 60_000 },
      );
      try {
        await expect
          .poll(async () => (await stats.stages(["workflow"]))[0], { timeout: 20_000, interval: 200 })
          .toMatchObject({
            topic: `public/default/${prefix}workflow`,
            backlog: 4,
            retryBacklog: 4,
            consumers: 1,
          });
        expect((await queue.backlog()).workflow).toBe(4);
      } finally {
        await subscription.close();
      }
    } finally {
      await queue.close();
    }
  });

  it("a stage whose every message fails: the retry topic's publish rate matches the ack rate, which PipelineFlowing reads as Failing", async () => {
    // A prefix of its own: no other test's acknowledgements in these rates.
    const own = `${prefix}failing-`;
    const stats = new PulsarAdminPipelineStats(
      pulsarAdminConnection({ url: server.serviceUrl, webUrl: server.webUrl, topicPrefix: own }),
    );
    const queue = new PulsarQueue({ webUrl: server.webUrl, naming: { prefix: own } });
    try {
      await queue.publish(
        "storage",
        Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, body: { n: i } })),
      );
      // As the background worker when the search cluster refuses every write: each message goes back
      // to the retry topic (acknowledged on the way), again and again, and none is dead-lettered yet.
      const subscription = queue.consume(
        "storage",
        inKeyOrder(async () => ({ kind: "retry", reason: "search cluster refused the write" })),
        { maxBatch: 10, maxAttempts: 1_000_000, retryBaseMs: 100, retryMaxMs: 200 },
      );
      try {
        // The broker's rates are moving averages, computed at its stats interval (a minute by default).
        await expect
          .poll(async () => (await stats.stages(["storage"]))[0], { timeout: 75_000, interval: 1000 })
          .toSatisfy((s) => (s?.ackRate ?? 0) > 0 && (s?.retryRateIn ?? 0) > 0);
        const [read] = await stats.stages(["storage"]);
        if (!read) throw new Error("no read");
        expect(read.consumers).toBe(1);
        // At least the 20: one being put back is on the retry topic a moment before it is acknowledged.
        expect(read.backlog).toBeGreaterThanOrEqual(20);
        expect(read.retryBacklog).toBeGreaterThan(0);
        // Everything acknowledged went back: within the 10 % PipelineFlowing allows.
        expect(read.retryRateIn).toBeGreaterThanOrEqual((read.ackRate ?? 0) * 0.9);

        // Reads folded as the operator folds them (every half second here): within a stall window (1 s
        // here) of failing reads, the stage is Failing, although its backlog jitters from read to read.
        const settings = { stallSeconds: 1, fallingBehindSeconds: 300 };
        let history: StageHistory | undefined;
        let condition: ReturnType<typeof diagnosePipeline> | undefined;
        await expect
          .poll(
            async () => {
              const [later] = await stats.stages(["storage"]);
              if (!later) throw new Error("no read");
              const at = Date.now();
              history = advanceStage(history, later, at, settings);
              condition = diagnosePipeline(
                {
                  kind: "read",
                  at,
                  settings,
                  stages: [{ read: later, history }],
                  deadLetters: [],
                  replay: { namespace: "shop", service: "shop-private-api", port: 8687, tokenSecret: "t" },
                },
                "shop",
              );
              return condition;
            },
            { timeout: 20_000, interval: 500 },
          )
          .toMatchObject({ status: "False", reason: "Failing" });
        expect(condition?.message).toMatch(/^stage storage: \d+ messages wait .* passed nothing on for \d s/);
      } finally {
        await subscription.close();
      }
    } finally {
      await queue.close();
    }
  }, 120_000);

  it("says which URL does not answer", async () => {
    const stats = new PulsarAdminPipelineStats(
      pulsarAdminConnection({
        url: "pulsar://127.0.0.1:6650",
        webUrl: "http://127.0.0.1:9",
        topicPrefix: prefix,
      }),
    );
    await expect(stats.stages(["collector"])).rejects.toThrow(
      `Pulsar admin API at http://127.0.0.1:9/admin/v2/persistent/public/default/${prefix}collector/stats does not answer`,
    );
  });
});
