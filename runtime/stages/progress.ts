import type { Outcome, Topic } from "../ports/queue.js";
import { describeError } from "../supervision.js";

/** What a consuming stage has done lately (plain data: it crosses from the processing thread). */
export interface StageProgress {
  stage: string;
  topic: Topic;
  /** When the stage started consuming (epoch ms). */
  startedAt: number;
  /** When it last took a message off its topic, acked or dead-lettered (epoch ms); null: not yet. */
  lastSettledAt: number | null;
  /** The last reason a message was retried or dead-lettered, or the handler or loop failed. */
  lastError: { message: string; at: number } | null;
  /** Why the stage fetches nothing now (the licence); null while it runs. */
  pausedBecause: string | null;
}

/** Progress and last error of each stage this process consumes, fed where stages are consumed. */
export class StageProgressBook {
  private readonly stages = new Map<string, Omit<StageProgress, "pausedBecause">>();

  /** Registers a stage (once: a stage that waits before it consumes is registered when it starts waiting). */
  started(stage: string, topic: Topic, now = Date.now()): void {
    if (this.stages.has(stage)) return;
    this.stages.set(stage, { stage, topic, startedAt: now, lastSettledAt: null, lastError: null });
  }

  handled(stage: string, outcomes: readonly Outcome[], now = Date.now()): void {
    const entry = this.stages.get(stage);
    if (!entry) return;
    for (const outcome of outcomes) {
      if (outcome.kind === "ack" || outcome.kind === "dead-letter") entry.lastSettledAt = now;
      if (outcome.kind === "retry" || outcome.kind === "dead-letter")
        entry.lastError = { message: outcome.reason, at: now };
    }
  }

  failed(stage: string, error: unknown, now = Date.now()): void {
    const entry = this.stages.get(stage);
    if (entry) entry.lastError = { message: describeError(error), at: now };
  }

  snapshot(pausedBecause: string | null): StageProgress[] {
    return [...this.stages.values()].map((entry) => ({ ...entry, pausedBecause }));
  }
}

/** A stage whose oldest waiting message is older than the stall time while it settled nothing for as long. */
export interface Stall {
  stage: string;
  topic: Topic;
  oldestWaitingSeconds: number;
  /** Since the stage last settled a message (or started, if it never did). */
  secondsWithoutProgress: number;
  lastError: string | null;
  pausedBecause: string | null;
}

/** The stalled stages, given when each topic's oldest waiting message was queued (null: none waits). */
export function findStalls(
  progress: readonly StageProgress[],
  oldestWaitingSince: ReadonlyMap<Topic, number | null>,
  now: number,
  stallMs: number,
): Stall[] {
  if (stallMs <= 0) return [];
  const stalls: Stall[] = [];
  for (const stage of progress) {
    const since = oldestWaitingSince.get(stage.topic);
    if (since === null || since === undefined) continue;
    const waiting = now - since;
    const idle = now - (stage.lastSettledAt ?? stage.startedAt);
    if (waiting <= stallMs || idle <= stallMs) continue;
    stalls.push({
      stage: stage.stage,
      topic: stage.topic,
      oldestWaitingSeconds: Math.floor(waiting / 1000),
      secondsWithoutProgress: Math.floor(idle / 1000),
      lastError: stage.lastError?.message ?? null,
      pausedBecause: stage.pausedBecause,
    });
  }
  return stalls;
}

/**
 * `summary` stays the same while the stall lasts (it is logged when it starts and when it ends);
 * `detail` says how old and why, for `/readyz`.
 */
export function describeStall(stall: Stall, stallMs: number): { summary: string; detail: string } {
  const summary = `stage ${stall.stage} is stalled: messages wait longer than ${Math.round(stallMs / 1000)} s and none is settled`;
  const why = stall.pausedBecause
    ? `; processing paused: ${stall.pausedBecause}`
    : stall.lastError
      ? `; last error: ${stall.lastError}`
      : "";
  const detail = `stage ${stall.stage} is stalled: oldest waiting message ${stall.oldestWaitingSeconds} s old, nothing settled for ${stall.secondsWithoutProgress} s${why}`;
  return { summary, detail };
}
