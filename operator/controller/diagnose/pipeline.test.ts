import { describe, expect, it } from "vitest";
import type { Topic } from "../../../runtime/ports/queue.js";
import {
  advanceDeadLetters,
  advanceStage,
  type DeadLetterHistory,
  diagnosePipeline,
  duration,
  growthRate,
  type PipelineObservation,
  type StageConsumer,
  type StageHistory,
  type StageRead,
} from "./pipeline.js";

const settings = { stallSeconds: 120, fallingBehindSeconds: 300 };
const T0 = Date.parse("2026-12-02T10:00:00Z");
const s = (seconds: number) => T0 + seconds * 1000;

const read = (stage: Topic, backlog: number, consumers: number, lastAckedTimestamp = 0): StageRead => ({
  stage,
  topic: `public/default/tracardi-${stage}`,
  subscription: `tracardi-${stage}`,
  backlog,
  consumers,
  lastAckedTimestamp,
});

const collector: StageConsumer = {
  deployment: "shop-wk-pl-collector",
  component: "wk-pl-collector",
  specPath: "spec.workers.collector",
  replicas: 2,
};
const background: StageConsumer = {
  deployment: "shop-wk-pl-background",
  component: "wk-pl-background",
  specPath: "spec.workers.background",
  replicas: 4,
  maxReplicas: 4,
};
const replay = {
  namespace: "shop",
  service: "shop-private-api",
  port: 8687,
  tokenSecret: "shop-admin-token",
};

/** Feeds reads (seconds, read) through advanceStage, as the watch does. */
function history(reads: [number, StageRead][]): StageHistory {
  let h: StageHistory | undefined;
  for (const [at, r] of reads) h = advanceStage(h, r, s(at), settings);
  if (!h) throw new Error("no reads");
  return h;
}

function observed(
  at: number,
  stages: { read: StageRead; history?: StageHistory; consumer?: StageConsumer }[],
  deadLetters: { stage: Topic; count: number; lastReason?: string; history?: DeadLetterHistory }[] = [],
): PipelineObservation {
  return {
    kind: "read",
    at: s(at),
    settings,
    stages: stages.map((x) => ({
      read: x.read,
      history: x.history ?? history([[at, x.read]]),
      ...(x.consumer ? { consumer: x.consumer } : {}),
    })),
    deadLetters: deadLetters.map((d) => ({
      read: {
        stage: d.stage,
        topic: `public/default/tracardi-${d.stage}-dead-letters`,
        count: d.count,
        ...(d.lastReason ? { lastReason: d.lastReason } : {}),
      },
      history: d.history ?? advanceDeadLetters(undefined, d.count, s(at)),
    })),
    replay,
  };
}

describe("diagnosePipeline", () => {
  it("is True/Flowing when every stage with a backlog is consumed and nothing is dead-lettered", () => {
    const c = diagnosePipeline(
      observed(0, [
        { read: read("collector", 0, 0), consumer: collector },
        { read: read("storage", 40, 2), consumer: background },
      ]),
      "shop",
    );
    expect(c).toMatchObject({ type: "PipelineFlowing", status: "True", reason: "Flowing" });
    expect(c.message).toBe(
      "every stage with a backlog is consumed and acknowledging (collector, storage), no dead letters",
    );
  });

  it("without spec.pulsar says it does not apply (embedded queue), and stays True", () => {
    const c = diagnosePipeline({ kind: "embedded" }, "shop");
    expect(c).toMatchObject({ status: "True", reason: "EmbeddedQueue" });
    expect(c.message).toMatch(/not applicable.*embedded queue/);
  });

  it("is Unknown with the admin API's error when Pulsar cannot be read", () => {
    const c = diagnosePipeline(
      {
        kind: "unreadable",
        message: "Pulsar admin API at http://pulsar:8080/… does not answer: ECONNREFUSED",
      },
      "shop",
    );
    expect(c).toMatchObject({ status: "Unknown", reason: "PulsarAdminUnavailable" });
    expect(c.message).toContain("ECONNREFUSED");
    expect(c.message).toContain("spec.pulsar.webUrl");
  });

  it("NoConsumers: names the stage, the backlog, the topic and the Deployment that should consume it", () => {
    const c = diagnosePipeline(
      observed(0, [{ read: read("collector", 12_400, 0), consumer: collector }]),
      "shop",
    );
    expect(c).toMatchObject({ status: "False", reason: "NoConsumers" });
    expect(c.message).toBe(
      "stage collector: 12,400 messages wait on public/default/tracardi-collector (subscription tracardi-collector) and no consumer is connected; Deployment shop-wk-pl-collector (2 replicas) should consume it: check its pods (kubectl -n shop get pods -l app.kubernetes.io/component=wk-pl-collector,app.kubernetes.io/instance=shop) and their logs",
    );
  });

  it("says how much of a stage's backlog waits on its retry topic", () => {
    const c = diagnosePipeline(
      observed(0, [{ read: { ...read("dispatch", 1_500, 0), retryBacklog: 1_200 }, consumer: background }]),
      "shop",
    );
    expect(c).toMatchObject({ status: "False", reason: "NoConsumers" });
    expect(c.message).toContain(
      "stage dispatch: 1,500 messages wait on public/default/tracardi-dispatch (subscription tracardi-dispatch; 1,200 of them on public/default/tracardi-dispatch-retry, put back for a retry or a deferral) and no consumer is connected",
    );
  });

  it("NoConsumers on a worker scaled to zero says the autoscaler wakes it", () => {
    const c = diagnosePipeline(
      observed(0, [
        { read: read("collector", 5, 0), consumer: { ...collector, replicas: 0, maxReplicas: 3 } },
      ]),
      "shop",
    );
    expect(c.message).toContain("it has no pods; the autoscaler wakes it at its next step");
  });

  it("NoConsumers for a stage no Deployment runs points at spec.workers", () => {
    const c = diagnosePipeline(observed(0, [{ read: read("dispatch", 1, 0) }]), "shop");
    expect(c.message).toContain("1 message wait");
    expect(c.message).toContain("no Deployment of this Tracardi runs this stage");
  });

  it("an empty stage without consumers is fine (a worker scaled to zero with nothing to do)", () => {
    expect(diagnosePipeline(observed(0, [{ read: read("collector", 0, 0) }]), "shop").status).toBe("True");
  });

  describe("Stalled", () => {
    it("after stallSeconds with consumers, a backlog and no acknowledgement", () => {
      const h = history([
        [0, read("storage", 50, 1, 111)],
        [60, read("storage", 60, 1, 111)],
        [120, read("storage", 70, 1, 111)],
      ]);
      const c = diagnosePipeline(
        observed(120, [{ read: read("storage", 70, 1, 111), history: h, consumer: background }]),
        "shop",
      );
      expect(c).toMatchObject({ status: "False", reason: "Stalled" });
      expect(c.message).toContain("stage storage: 70 messages wait");
      expect(c.message).toContain(
        "its 1 consumer acknowledged nothing for 2 min (spec.diagnostics.stallSeconds 120)",
      );
      expect(c.message).toContain("kubectl -n shop rollout restart deployment/shop-wk-pl-background");
    });

    it("not before stallSeconds", () => {
      const h = history([
        [0, read("storage", 50, 1)],
        [119, read("storage", 50, 1)],
      ]);
      expect(
        diagnosePipeline(observed(119, [{ read: read("storage", 50, 1), history: h }]), "shop").status,
      ).toBe("True");
    });

    it("an acknowledgement the broker reports restarts the clock", () => {
      const h = history([
        [0, read("storage", 50, 1, 111)],
        [100, read("storage", 80, 1, 222)],
        [200, read("storage", 90, 1, 222)],
      ]);
      expect(h.stuckSince).toBe(s(100));
      expect(
        diagnosePipeline(observed(200, [{ read: read("storage", 90, 1, 222), history: h }]), "shop").status,
      ).toBe("True");
    });

    it("a shrinking backlog is progress even without the broker's ack time", () => {
      const h = history([
        [0, read("storage", 50, 1)],
        [100, read("storage", 40, 1)],
        [200, read("storage", 40, 1)],
      ]);
      expect(h.stuckSince).toBe(s(100));
    });

    it("the clock stops while no consumer is connected or nothing waits", () => {
      expect(
        history([
          [0, read("storage", 50, 1)],
          [100, read("storage", 50, 0)],
        ]).stuckSince,
      ).toBeUndefined();
      expect(
        history([
          [0, read("storage", 50, 1)],
          [100, read("storage", 0, 1)],
          [200, read("storage", 5, 1)],
        ]).stuckSince,
      ).toBe(s(200));
    });
  });

  describe("Failing", () => {
    /** A storage read: `ack` and `back` are the broker's rates (acknowledged, put back on the retry topic). */
    const storage = (
      backlog: number,
      retries: number,
      ack: number,
      back: number,
      ackedAt: number,
    ): StageRead => ({
      ...read("storage", backlog, 4, ackedAt),
      retryBacklog: retries,
      ackRate: ack,
      retryRateIn: back,
      deadLetterRateIn: 0,
    });
    /** Every 15 s from `from` to `to`: the stage acknowledges 3 messages/s and puts all 3 back. */
    const allFail = (from: number, to: number): [number, StageRead][] => {
      const reads: [number, StageRead][] = [];
      for (let t = from; t <= to; t += 15) reads.push([t, storage(500, 300, 3, 3, s(t) - 500)]);
      return reads;
    };

    it("every message goes back to the retry topic for stallSeconds: False/Failing, naming stage, backlog, retries, backend and logs", () => {
      const reads = allFail(0, 120);
      const last = (reads.at(-1) as [number, StageRead])[1];
      const c = diagnosePipeline(
        observed(120, [{ read: last, history: history(reads), consumer: background }]),
        "shop",
      );
      expect(c).toMatchObject({ type: "PipelineFlowing", status: "False", reason: "Failing" });
      expect(c.message).toBe(
        "stage storage: 500 messages wait on public/default/tracardi-storage (subscription tracardi-storage; 300 of them on public/default/tracardi-storage-retry, put back for a retry or a deferral) and its 4 consumers passed nothing on for 2 min (since 2026-12-02T10:00:00Z; spec.diagnostics.stallSeconds 120): every message they acknowledged went back to the retry topic (3 messages/s) or to the dead letters, so the API answered these events but their data is not stored; the reason of each failure is in the worker's log, and in the dead letters once a message used up its attempts (TRACARDI_MAX_DELIVERY_ATTEMPTS); check the search cluster it stores into (condition BackendsReachable) and the logs of Deployment shop-wk-pl-background (kubectl -n shop logs -l app.kubernetes.io/component=wk-pl-background,app.kubernetes.io/instance=shop)",
      );
    });

    it("not before stallSeconds", () => {
      const reads = allFail(0, 105);
      const last = (reads.at(-1) as [number, StageRead])[1];
      const c = diagnosePipeline(observed(105, [{ read: last, history: history(reads) }]), "shop");
      expect(c).toMatchObject({ status: "True", reason: "Flowing" });
    });

    it("names the newest dead letter's reason, and lists the dead letters after it", () => {
      const reads = allFail(0, 180);
      const last = (reads.at(-1) as [number, StageRead])[1];
      const why = "search cluster refused the bulk write: 403 cluster_block_exception";
      const c = diagnosePipeline(
        observed(
          180,
          [{ read: last, history: history(reads), consumer: background }],
          [{ stage: "storage", count: 7, lastReason: why }],
        ),
        "shop",
      );
      expect(c.reason).toBe("Failing");
      expect(c.message).toContain(`passed nothing on for 3 min`);
      expect(c.message).toContain(`; the newest dead letter of this stage failed with: ${why}; check`);
      expect(c.message).toContain("; stage storage: 7 dead letters on");
    });

    it("a stage that puts some messages back but passes the others on stays True", () => {
      const reads: [number, StageRead][] = [];
      for (let t = 0; t <= 300; t += 15) reads.push([t, storage(500, 300, 10, 3, s(t))]);
      const h = history(reads);
      expect(h.failingSince).toBeUndefined();
      const c = diagnosePipeline(
        observed(300, [{ read: (reads.at(-1) as [number, StageRead])[1], history: h }]),
        "shop",
      );
      expect(c).toMatchObject({ status: "True", reason: "Flowing" });
    });

    it("dead-lettering counts as putting back: acknowledging only into the dead letters is Failing", () => {
      const reads: [number, StageRead][] = [];
      for (let t = 0; t <= 120; t += 15)
        reads.push([t, { ...storage(500, 300, 2, 0.1, s(t)), deadLetterRateIn: 1.9 }]);
      expect(history(reads).failingSince).toBe(s(0));
    });

    it("retries waiting out their delay (nothing acknowledged) keep a run going: Failing, not Stalled", () => {
      const reads = [...allFail(0, 60), [75, storage(500, 500, 0, 0, s(60))] as [number, StageRead]];
      for (let t = 90; t <= 200; t += 15) reads.push([t, storage(500, 500, 0, 0, s(60))]);
      const h = history(reads);
      expect(h.failingSince).toBe(s(0));
      const c = diagnosePipeline(
        observed(195, [{ read: (reads.at(-1) as [number, StageRead])[1], history: h }]),
        "shop",
      );
      expect(c.reason).toBe("Failing");
      expect(c.message).toContain("(3 messages/s)");
    });

    it("never starts without the broker's ack rate (an older Pulsar), nor from retries that wait alone", () => {
      const { ackRate: _, ...unrated } = storage(500, 300, 0, 3, s(0));
      expect(history([[0, unrated]]).failingSince).toBeUndefined();
      expect(history([[0, storage(500, 300, 0, 0, s(0))]]).failingSince).toBeUndefined();
    });

    it("a backlog that jitters upwards (a message put back is on both topics for a moment) does not end a run", () => {
      const reads: [number, StageRead][] = [];
      for (let t = 0; t <= 150; t += 15) reads.push([t, storage(t % 30 === 0 ? 500 : 510, 300, 3, 3, s(t))]);
      expect(history(reads).failingSince).toBe(s(0));
    });

    it("recovers once the stage passes messages on again, or its backlog shrinks", () => {
      const failing = allFail(0, 150);
      const passing = history([...failing, [165, storage(500, 300, 6, 1, s(165))]]);
      expect(passing.failingSince).toBeUndefined();
      const c = diagnosePipeline(
        observed(165, [{ read: storage(500, 300, 6, 1, s(165)), history: passing }]),
        "shop",
      );
      expect(c).toMatchObject({ status: "True", reason: "Flowing" });
      expect(history([...failing, [165, storage(450, 300, 3, 3, s(165))]]).failingSince).toBeUndefined();
    });
  });

  describe("FallingBehind", () => {
    const growing = (consumer: StageConsumer) => {
      const reads: [number, StageRead][] = [0, 100, 200, 300].map((t) => [
        t,
        read("storage", 1000 + t * 10, 2, t + 1),
      ]);
      return { h: history(reads), last: read("storage", 4000, 2, 301), consumer };
    };

    it("a backlog growing over the window at maxReplicas: the rate and the time until it doubles", () => {
      const { h, last } = growing(background);
      const c = diagnosePipeline(observed(300, [{ read: last, history: h, consumer: background }]), "shop");
      expect(c).toMatchObject({ status: "False", reason: "FallingBehind" });
      expect(c.message).toBe(
        "stage storage: 4,000 messages wait on public/default/tracardi-storage (subscription tracardi-storage) and it grew by 10 messages/s for the last 5 min (spec.diagnostics.fallingBehindSeconds); at this rate it doubles in 7 min; Deployment shop-wk-pl-background is at spec.workers.background.autoscaling.maxReplicas (4): raise it, or give it more CPU (spec.workers.background.resources)",
      );
    });

    it("not while the autoscaler can still add replicas", () => {
      const { h, last } = growing({ ...background, replicas: 3 });
      expect(
        diagnosePipeline(
          observed(300, [{ read: last, history: h, consumer: { ...background, replicas: 3 } }]),
          "shop",
        ).status,
      ).toBe("True");
    });

    it("a worker with fixed replicas is at its limit: raise them or turn on autoscaling", () => {
      const { h, last } = growing(collector);
      const c = diagnosePipeline(
        observed(300, [{ read: { ...last, stage: "collector" }, history: h, consumer: collector }]),
        "shop",
      );
      expect(c.reason).toBe("FallingBehind");
      expect(c.message).toContain(
        "runs its fixed spec.workers.collector.replicas (2): raise them or turn on spec.workers.collector.autoscaling",
      );
    });

    it("the public API running the collector stage inline: raise its replicas", () => {
      const api: StageConsumer = {
        deployment: "shop-public-api",
        component: "public-api",
        specPath: "spec.api.public",
        replicas: 1,
      };
      const { h, last } = growing(api);
      const c = diagnosePipeline(observed(300, [{ read: last, history: h, consumer: api }]), "shop");
      expect(c.message).toContain(
        "runs its fixed spec.api.public.replicas (1): raise them, or give it more CPU",
      );
    });

    it("not before the window is covered, nor when the backlog rose and then held (kept up with), nor from empty", () => {
      const young = history(
        [0, 100, 200].map((t) => [t, read("storage", 1000 + t * 10, 2, t)] as [number, StageRead]),
      );
      expect(growthRate(young, s(200), 300)).toBeUndefined();
      const held = history(
        [
          [0, 1000],
          [100, 3000],
          [200, 3000],
          [300, 3000],
        ].map(([t, b]) => [t as number, read("storage", b as number, 2, t as number)] as [number, StageRead]),
      );
      expect(growthRate(held, s(300), 300)).toBeUndefined();
      const fromEmpty = history(
        [
          [0, 0],
          [100, 1000],
          [200, 2000],
          [300, 3000],
        ].map(([t, b]) => [t as number, read("storage", b as number, 2, t as number)] as [number, StageRead]),
      );
      expect(growthRate(fromEmpty, s(300), 300)).toBeUndefined();
    });

    it("keeps only the reads the window needs, and one before it", () => {
      const h = history(
        [0, 100, 200, 300, 400, 500].map((t) => [t, read("storage", 1000 + t, 2, t)] as [number, StageRead]),
      );
      expect(h.samples.map((x) => (x.at - T0) / 1000)).toEqual([200, 300, 400, 500]);
      expect(growthRate(h, s(500), 300)).toBe(1);
    });
  });

  describe("DeadLetters", () => {
    it("how many, which topic, the newest reason and the replay call", () => {
      const c = diagnosePipeline(
        observed(
          0,
          [{ read: read("dispatch", 0, 1) }],
          [{ stage: "dispatch", count: 3, lastReason: "webhook https://crm.example/hook answered 410 Gone" }],
        ),
        "shop",
      );
      expect(c).toMatchObject({ status: "False", reason: "DeadLetters" });
      expect(c.message).toBe(
        'stage dispatch: 3 dead letters on public/default/tracardi-dispatch-dead-letters; the newest failed with: webhook https://crm.example/hook answered 410 Gone; list them with GET /api/v1/dead-letters?topic=dispatch on the private API and, once the cause is fixed, replay them: POST /api/v1/dead-letters/replay {"topic":"dispatch"} (Service shop/shop-private-api port 8687, Authorization: Bearer <token of Secret shop-admin-token>), or drop them with POST /api/v1/dead-letters/purge',
      );
    });

    it("says how many arrived since when, across reads", () => {
      let h = advanceDeadLetters(undefined, 0, s(0));
      h = advanceDeadLetters(h, 2, s(15));
      expect(h).toEqual({ count: 2, since: s(15), countAtSince: 0 });
      const first = diagnosePipeline(observed(15, [], [{ stage: "storage", count: 2, history: h }]), "shop");
      expect(first.message).toContain(
        "2 dead letters on public/default/tracardi-storage-dead-letters (first seen 2026-12-02T10:00:15Z)",
      );
      h = advanceDeadLetters(h, 5, s(30));
      expect(h).toEqual({ count: 5, since: s(15), countAtSince: 0 });
      const restart = advanceDeadLetters(advanceDeadLetters(undefined, 4, s(0)), 9, s(15));
      const c = diagnosePipeline(
        observed(15, [], [{ stage: "storage", count: 9, history: restart }]),
        "shop",
      );
      expect(c.message).toContain(
        "9 dead letters on public/default/tracardi-storage-dead-letters (5 new since 2026-12-02T10:00:00Z)",
      );
    });

    it("clears once they are replayed or purged, and a later letter starts a new run", () => {
      let h = advanceDeadLetters(undefined, 4, s(0));
      h = advanceDeadLetters(h, 0, s(15));
      expect(
        diagnosePipeline(observed(15, [], [{ stage: "storage", count: 0, history: h }]), "shop").status,
      ).toBe("True");
      h = advanceDeadLetters(h, 1, s(30));
      expect(h).toEqual({ count: 1, since: s(30), countAtSince: 0 });
    });
  });

  it("lists every problem, the worst first, and caps the message", () => {
    const stuck = history([
      [0, read("storage", 50, 1)],
      [130, read("storage", 50, 1)],
    ]);
    const c = diagnosePipeline(
      observed(
        130,
        [
          { read: read("storage", 50, 1), history: stuck, consumer: background },
          { read: read("collector", 9, 0), consumer: collector },
        ],
        [{ stage: "dispatch", count: 1, lastReason: "x".repeat(5000) }],
      ),
      "shop",
    );
    expect(c.reason).toBe("NoConsumers");
    expect(c.message.indexOf("stage collector")).toBeLessThan(c.message.indexOf("stage storage"));
    expect(c.message).toContain("acknowledged nothing for 2 min");
    expect(c.message).toContain("stage dispatch: 1 dead letter on");
    expect(c.message.length).toBeLessThanOrEqual(2000);
  });
});

describe("duration", () => {
  it("reads as a person would say it", () => {
    expect([duration(45), duration(600), duration(9000), duration(400_000)]).toEqual([
      "45 s",
      "10 min",
      "2.5 h",
      "5 days",
    ]);
  });
});
