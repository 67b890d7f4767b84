import type { Topic } from "../../runtime/ports/queue.js";
import type { PipelineReader } from "../controller/observe-pipeline.js";
import type { StageStats } from "../pulsar/stats.js";

/** What a fake Pulsar answers for one stage (its subscription, and its dead-letter subscription). */
export interface FakeStage {
  backlog?: number;
  consumers?: number;
  lastAckedTimestamp?: number;
  retryBacklog?: number;
  /** The broker's rates: acknowledged (topic and retry topic), put back, dead-lettered. */
  ackRate?: number;
  retryRateIn?: number;
  deadLetterRateIn?: number;
  deadLetters?: number;
  lastDeadLetterReason?: string;
}

function stats(stage: Topic, suffix: string, s: Partial<StageStats>): StageStats {
  return {
    stage,
    topic: `public/default/tracardi-${stage}${suffix}`,
    subscription: `tracardi-${stage}${suffix}`,
    exists: true,
    partitions: 0,
    backlog: 0,
    msgRateIn: 0,
    msgRateOut: 0,
    consumers: 0,
    ...s,
  };
}

/** A PipelineReader over a mutable table of stages (test fixture); every stage idle by default. */
export function fakePipelineReader(
  table: Partial<Record<Topic, FakeStage>> = {},
): PipelineReader & { table: Partial<Record<Topic, FakeStage>>; reads: number } {
  const reader = {
    table,
    reads: 0,
    async stages(stages: readonly Topic[]) {
      reader.reads++;
      return stages.map((stage) => {
        const s = reader.table[stage] ?? {};
        return stats(stage, "", {
          backlog: s.backlog ?? 0,
          consumers: s.consumers ?? 0,
          lastAckedTimestamp: s.lastAckedTimestamp ?? 0,
          ...(s.retryBacklog === undefined ? {} : { retryBacklog: s.retryBacklog }),
          ...(s.ackRate === undefined ? {} : { ackRate: s.ackRate }),
          ...(s.retryRateIn === undefined ? {} : { retryRateIn: s.retryRateIn }),
        });
      });
    },
    async deadLetters(stages: readonly Topic[]) {
      return stages.map((stage) =>
        stats(stage, "-dead-letters", {
          backlog: reader.table[stage]?.deadLetters ?? 0,
          msgRateIn: reader.table[stage]?.deadLetterRateIn ?? 0,
        }),
      );
    },
    async lastDeadLetterReason(stage: Topic) {
      return reader.table[stage]?.lastDeadLetterReason;
    },
  };
  return reader;
}
