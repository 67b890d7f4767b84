import type { Topic } from "../../runtime/ports/queue.js";
import {
  type DeadLetterStats,
  type PipelineStats,
  type PulsarAdminConnection,
  PulsarAdminPipelineStats,
  type StageStats,
} from "./stats.js";

/**
 * One read per stage shared by everyone who asks within `maxAgeMs`: autoscaling and PipelineFlowing
 * read the same subscriptions in the same reconcile, and ask Pulsar once. Failures are not kept.
 */
export class SharedPipelineStats {
  private readonly reads = new Map<string, { at: number; stats: Promise<StageStats> }>();

  constructor(
    private readonly now: () => number,
    private readonly maxAgeMs = 1000,
    private readonly open: (c: PulsarAdminConnection) => PipelineStats & DeadLetterStats = (c) =>
      new PulsarAdminPipelineStats(c),
  ) {}

  for(connection: PulsarAdminConnection): PipelineStats & DeadLetterStats {
    const reader = this.open(connection);
    const { webUrl, naming, token } = connection;
    const base = `${webUrl}|${naming.tenant}/${naming.namespace}/${naming.prefix}|${token ?? ""}`;
    const shared =
      (kind: string, read: (stage: Topic) => Promise<StageStats>) => (stages: readonly Topic[]) =>
        Promise.all(stages.map((stage) => this.read(`${base}|${kind}|${stage}`, () => read(stage))));
    return {
      stages: shared("stage", async (stage) => (await reader.stages([stage]))[0] as StageStats),
      deadLetters: shared("dead", async (stage) => (await reader.deadLetters([stage]))[0] as StageStats),
      lastDeadLetterReason: (stage) => reader.lastDeadLetterReason(stage),
    };
  }

  private read(key: string, fetchStats: () => Promise<StageStats>): Promise<StageStats> {
    const at = this.now();
    for (const [k, v] of this.reads) if (at - v.at > this.maxAgeMs) this.reads.delete(k);
    const cached = this.reads.get(key);
    if (cached) return cached.stats;
    const stats = fetchStats();
    this.reads.set(key, { at, stats });
    stats.catch(() => this.reads.delete(key));
    return stats;
  }
}
