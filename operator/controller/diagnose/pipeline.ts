import type { Topic } from "../../../runtime/ports/queue.js";
import type { DiagnosticsSpec } from "../../api/types.js";
import { type CheckResult, CONDITION } from "./types.js";

/**
 * PipelineFlowing: whether the queue stages in Pulsar make progress, from reads of their subscriptions
 * taken at intervals and a short history of them. Everything here is pure; observe/pipeline.ts reads.
 */

export const PIPELINE_REASONS = [
  "NoConsumers",
  "Stalled",
  "Failing",
  "DeadLetters",
  "FallingBehind",
] as const;
export type PipelineReason = (typeof PIPELINE_REASONS)[number];

/** One read of a stage's subscription. */
export interface StageRead {
  stage: Topic;
  /** `tenant/namespace/topic`. */
  topic: string;
  subscription: string;
  backlog: number;
  /** Of `backlog`, those put back on the stage's retry topic (`<topic>-retry`) for a retry or a deferral. */
  retryBacklog?: number;
  consumers: number;
  /** Broker time of the latest acknowledgement by a connected consumer (0 or absent: none known). */
  lastAckedTimestamp?: number;
  /** Messages per second acknowledged on the topic and its retry topic (absent: not reported). */
  ackRate?: number;
  /** Messages per second the stage put back on its retry topic (each one acknowledged on the way). */
  retryRateIn?: number;
  /** Messages per second the stage dead-lettered (also acknowledged on the way). */
  deadLetterRateIn?: number;
}

/** The Deployment that runs a stage (docs/architecture.md, "process → stages"), and how far it can scale. */
export interface StageConsumer {
  deployment: string;
  /** The component's pod label, for the kubectl hint. */
  component: string;
  /** The spec block whose replicas or autoscaling decide its size, e.g. `spec.workers.collector`. */
  specPath: string;
  /** The Deployment's spec.replicas now. */
  replicas: number;
  /** Set when the operator autoscales it. */
  maxReplicas?: number;
}

export interface BacklogSample {
  at: number;
  backlog: number;
}

/** What is remembered of a stage between reads (operator clock, ms). */
export interface StageHistory {
  /** Reads covering the falling-behind window, oldest first, plus the newest one before it. */
  samples: BacklogSample[];
  /** Since when consumers have been connected to a backlog without a sign of progress. */
  stuckSince?: number;
  lastAckedTimestamp?: number;
  /** Since when the stage has acknowledged only what it put back or dead-lettered, while retries wait. */
  failingSince?: number;
  /** The newest non-zero rate at which it put messages back in that run. */
  putBackRate?: number;
}

/**
 * A read passes messages on when more than this share of what was acknowledged did not go back to the
 * retry topic or to the dead letters (Pulsar's rates are moving averages of different topics: they
 * match only roughly when every message fails).
 */
const PASSED_ON_SHARE = 0.1;

/** What is remembered of a dead-letter topic: when its current run of letters began (0 → more). */
export interface DeadLetterHistory {
  count: number;
  /** The first read of the current run, and how many letters waited then. */
  since: number;
  countAtSince: number;
}

/** A dead-letter topic as read, with the newest letter's reason when there is one. */
export interface DeadLetterRead {
  stage: Topic;
  topic: string;
  count: number;
  lastReason?: string;
}

/** Where the replay call goes: the private API's Service and the Secret with its token. */
export interface ReplayTarget {
  namespace: string;
  service: string;
  port: number;
  tokenSecret: string;
}

export type PipelineObservation =
  | { kind: "embedded" }
  | { kind: "unreadable"; message: string }
  | {
      kind: "read";
      at: number;
      settings: DiagnosticsSpec;
      stages: { read: StageRead; history: StageHistory; consumer?: StageConsumer }[];
      deadLetters: { read: DeadLetterRead; history: DeadLetterHistory }[];
      replay: ReplayTarget;
    };

/** Folds one read into a stage's history. */
export function advanceStage(
  previous: StageHistory | undefined,
  read: StageRead,
  at: number,
  settings: DiagnosticsSpec,
): StageHistory {
  const waiting = read.consumers > 0 && read.backlog > 0;
  const lastBacklog = previous?.samples.at(-1)?.backlog;
  const shrank = lastBacklog !== undefined && read.backlog < lastBacklog;
  // Progress: an acknowledgement the broker reports, or a backlog that shrank since the last read.
  const progressed = (read.lastAckedTimestamp ?? 0) !== (previous?.lastAckedTimestamp ?? 0) || shrank;
  let stuckSince: number | undefined;
  if (waiting) stuckSince = previous?.stuckSince !== undefined && !progressed ? previous.stuckSince : at;

  // Failing: acknowledgements that only put messages back (or dead-letter them) are no progress. A read
  // with retries waiting and nothing acknowledged (they wait out their delay) continues a run, never starts one.
  // The backlog of a stage that puts everything back jitters upwards (a message being put back is on
  // both topics for a moment): only a backlog below every recent read shows messages passed on.
  const recentLow = previous?.samples.length
    ? Math.min(...previous.samples.map((s) => s.backlog))
    : undefined;
  const drained = recentLow !== undefined && read.backlog < recentLow;
  const acked = read.ackRate ?? 0;
  const putBack = (read.retryRateIn ?? 0) + (read.deadLetterRateIn ?? 0);
  const passedOn = drained || (acked > 0 && acked - putBack > acked * PASSED_ON_SHARE);
  const failingRead = read.ackRate !== undefined && putBack > 0 && !passedOn;
  const retriesWait = (read.retryBacklog ?? 0) > 0 || putBack > 0;
  let failingSince: number | undefined;
  if (waiting && retriesWait && !passedOn)
    failingSince = previous?.failingSince ?? (failingRead ? at : undefined);

  const windowStart = at - settings.fallingBehindSeconds * 1000;
  const samples = [...(previous?.samples ?? []), { at, backlog: read.backlog }];
  // Keep one sample at or before the window's start: it is where the growth is measured from.
  let first = 0;
  while (first + 1 < samples.length && (samples[first + 1] as BacklogSample).at <= windowStart) first++;
  const history: StageHistory = { samples: samples.slice(first) };
  if (stuckSince !== undefined) history.stuckSince = stuckSince;
  if (read.lastAckedTimestamp) history.lastAckedTimestamp = read.lastAckedTimestamp;
  if (failingSince !== undefined) {
    history.failingSince = failingSince;
    const rate = (read.retryRateIn ?? 0) > 0 ? read.retryRateIn : previous?.putBackRate;
    if (rate !== undefined) history.putBackRate = rate;
  }
  return history;
}

/**
 * Folds one read into a dead-letter topic's history. A run starts when letters appear; the letters
 * found at the first read (an operator restart) are of unknown age and count as the run's start.
 */
export function advanceDeadLetters(
  previous: DeadLetterHistory | undefined,
  count: number,
  at: number,
): DeadLetterHistory {
  if (!previous) return { count, since: at, countAtSince: count };
  if (count === 0 || previous.count === 0) return { count, since: at, countAtSince: 0 };
  return { count, since: previous.since, countAtSince: Math.min(previous.countAtSince, count) };
}

interface Finding {
  reason: PipelineReason;
  message: string;
}

const number = (n: number) => n.toLocaleString("en-US");
const plural = (n: number, one: string, many = `${one}s`) => `${number(n)} ${n === 1 ? one : many}`;
const instant = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/** "90 s", "4 min", "2.5 h", "3 days": for rates and durations in messages. */
export function duration(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${Math.round(seconds / 360) / 10} h`;
  return `${Math.round(seconds / 86_400)} days`;
}

function rate(perSecond: number): string {
  if (perSecond >= 10) return `${number(Math.round(perSecond))} messages/s`;
  if (perSecond >= 1) return `${Math.round(perSecond * 10) / 10} messages/s`;
  return `${Math.round(perSecond * 600) / 10} messages/min`;
}

function waitingOn(read: StageRead): string {
  const retries = read.retryBacklog
    ? `; ${number(read.retryBacklog)} of them on ${read.topic}-retry, put back for a retry or a deferral`
    : "";
  return `stage ${read.stage}: ${plural(read.backlog, "message")} wait on ${read.topic} (subscription ${read.subscription}${retries})`;
}

function podsHint(namespace: string, consumer: StageConsumer): string {
  return `kubectl -n ${namespace} get pods -l app.kubernetes.io/component=${consumer.component},app.kubernetes.io/instance=${consumer.deployment.slice(0, -consumer.component.length - 1)}`;
}

function noConsumers(read: StageRead, namespace: string, consumer?: StageConsumer): Finding {
  const who = consumer
    ? `Deployment ${consumer.deployment} (${plural(consumer.replicas, "replica")}) should consume it: ${
        consumer.replicas === 0
          ? `it has no pods; ${consumer.maxReplicas !== undefined ? "the autoscaler wakes it at its next step, else " : ""}set ${consumer.specPath}.replicas`
          : `check its pods (${podsHint(namespace, consumer)}) and their logs`
      }`
    : "no Deployment of this Tracardi runs this stage: check spec.workers";
  return {
    reason: "NoConsumers",
    message: `${waitingOn(read)} and no consumer is connected; ${who}`,
  };
}

function stalled(
  read: StageRead,
  stuckSince: number,
  at: number,
  settings: DiagnosticsSpec,
  namespace: string,
  consumer?: StageConsumer,
): Finding {
  const restart = consumer
    ? `read the logs of Deployment ${consumer.deployment} (${podsHint(namespace, consumer)}), then restart it (kubectl -n ${namespace} rollout restart deployment/${consumer.deployment})`
    : "find the process that holds the subscription";
  return {
    reason: "Stalled",
    message: `${waitingOn(read)} and its ${plural(read.consumers, "consumer")} acknowledged nothing for ${duration((at - stuckSince) / 1000)} (spec.diagnostics.stallSeconds ${settings.stallSeconds}): a consumer hangs on a backend or a message; ${restart}`,
  };
}

/** What a failing stage depends on, for the hint (docs/architecture.md, the stages). */
const STAGE_BACKENDS: Record<string, string> = {
  collector: "the stores it reads and writes (the configuration store and the search cluster)",
  storage: "the search cluster it stores into",
  dispatch: "the destinations it delivers to",
};

function failing(
  read: StageRead,
  history: StageHistory,
  at: number,
  settings: DiagnosticsSpec,
  namespace: string,
  lastError: string | undefined,
  consumer?: StageConsumer,
): Finding {
  const since = history.failingSince ?? at;
  const rateText = history.putBackRate ? ` (${rate(history.putBackRate)})` : "";
  const error = lastError
    ? `; the newest dead letter of this stage failed with: ${lastError.slice(0, 300)}`
    : "; the reason of each failure is in the worker's log, and in the dead letters once a message used up its attempts (TRACARDI_MAX_DELIVERY_ATTEMPTS)";
  const backend = STAGE_BACKENDS[read.stage] ?? "the backends it uses";
  const logs = consumer
    ? `the logs of Deployment ${consumer.deployment} (kubectl -n ${namespace} logs -l app.kubernetes.io/component=${consumer.component},app.kubernetes.io/instance=${consumer.deployment.slice(0, -consumer.component.length - 1)})`
    : "the logs of the process that consumes it";
  return {
    reason: "Failing",
    message: `${waitingOn(read)} and its ${plural(read.consumers, "consumer")} passed nothing on for ${duration((at - since) / 1000)} (since ${instant(since)}; spec.diagnostics.stallSeconds ${settings.stallSeconds}): every message they acknowledged went back to the retry topic${rateText} or to the dead letters, so the API answered these events but their data is not ${read.stage === "dispatch" ? "delivered" : "stored"}${error}; check ${backend} (condition BackendsReachable) and ${logs}`,
  };
}

/** The sample nearest to a time (ties: the older). */
function nearest(samples: readonly BacklogSample[], at: number): BacklogSample {
  return samples.reduce((best, s) => (Math.abs(s.at - at) < Math.abs(best.at - at) ? s : best));
}

/**
 * Growth over the whole window, from a backlog already waiting at its start, and over its second half (a backlog that rose once and then held
 * steady is being kept up with): the rate in messages per second, or undefined.
 */
export function growthRate(history: StageHistory, at: number, windowSeconds: number): number | undefined {
  const { samples } = history;
  const from = samples[0];
  const to = samples.at(-1);
  if (!from || !to || samples.length < 3) return undefined;
  // A backlog that was empty at the window's start has not been growing for the whole window.
  if (from.at > at - windowSeconds * 1000 || from.backlog === 0 || to.backlog <= from.backlog)
    return undefined;
  const middle = nearest(samples.slice(1, -1), (from.at + to.at) / 2);
  if (to.backlog <= middle.backlog) return undefined;
  return (to.backlog - from.backlog) / ((to.at - from.at) / 1000);
}

function atLimit(consumer: StageConsumer): boolean {
  return consumer.maxReplicas === undefined || consumer.replicas >= consumer.maxReplicas;
}

function fallingBehind(
  read: StageRead,
  perSecond: number,
  consumer: StageConsumer,
  windowSeconds: number,
): Finding {
  const grow =
    consumer.maxReplicas !== undefined
      ? `Deployment ${consumer.deployment} is at ${consumer.specPath}.autoscaling.maxReplicas (${consumer.maxReplicas}): raise it`
      : `Deployment ${consumer.deployment} runs its fixed ${consumer.specPath}.replicas (${consumer.replicas}): raise them${
          consumer.specPath.startsWith("spec.workers.") ? ` or turn on ${consumer.specPath}.autoscaling` : ""
        }`;
  return {
    reason: "FallingBehind",
    message: `${waitingOn(read)} and it grew by ${rate(perSecond)} for the last ${duration(windowSeconds)} (spec.diagnostics.fallingBehindSeconds); at this rate it doubles in ${duration(read.backlog / perSecond)}; ${grow}, or give it more CPU (${consumer.specPath}.resources)`,
  };
}

function deadLetters(dl: DeadLetterRead, history: DeadLetterHistory, replay: ReplayTarget): Finding {
  const arrived = dl.count - history.countAtSince;
  const since =
    history.countAtSince === 0
      ? ` (first seen ${instant(history.since)})`
      : arrived > 0
        ? ` (${number(arrived)} new since ${instant(history.since)})`
        : "";
  const reason = dl.lastReason ? `; the newest failed with: ${dl.lastReason.slice(0, 300)}` : "";
  const body = JSON.stringify({ topic: dl.stage });
  return {
    reason: "DeadLetters",
    message: `stage ${dl.stage}: ${plural(dl.count, "dead letter")} on ${dl.topic}${since}${reason}; list them with GET /api/v1/dead-letters?topic=${dl.stage} on the private API and, once the cause is fixed, replay them: POST /api/v1/dead-letters/replay ${body} (Service ${replay.namespace}/${replay.service} port ${replay.port}, Authorization: Bearer <token of Secret ${replay.tokenSecret}>), or drop them with POST /api/v1/dead-letters/purge`,
  };
}

const MAX_MESSAGE = 2000;

/**
 * PipelineFlowing from one observation. False when any stage has a problem, the worst first
 * (NoConsumers › Stalled › Failing › DeadLetters › FallingBehind) and every problem listed; Unknown when Pulsar's
 * admin API could not be read; True otherwise, including the embedded queue (nothing to read).
 */
export function diagnosePipeline(observation: PipelineObservation, namespace: string): CheckResult {
  const type = CONDITION.PipelineFlowing;
  if (observation.kind === "embedded") {
    return {
      type,
      status: "True",
      reason: "EmbeddedQueue",
      message:
        "not applicable: without spec.pulsar each public API pod runs every stage on its own embedded queue, which the operator cannot read (its backlog and dead letters are on that pod's GET /metrics)",
    };
  }
  if (observation.kind === "unreadable") {
    return {
      type,
      status: "Unknown",
      reason: "PulsarAdminUnavailable",
      message: `the pipeline cannot be read: ${observation.message}; the operator reads stage backlogs from spec.pulsar.webUrl (/admin/v2) with spec.pulsar.tokenSecretRef: check that it can reach that address and that the token may read topic stats`,
    };
  }
  const { at, settings } = observation;
  const findings: Finding[] = [];
  for (const { read, history, consumer } of observation.stages) {
    if (read.backlog === 0) continue;
    if (read.consumers === 0) {
      findings.push(noConsumers(read, namespace, consumer));
      continue;
    }
    // Before Stalled: a failing stage's retries wait out growing delays, with no acknowledgement meanwhile.
    if (history.failingSince !== undefined && at - history.failingSince >= settings.stallSeconds * 1000) {
      const lastError = observation.deadLetters.find((d) => d.read.stage === read.stage)?.read.lastReason;
      findings.push(failing(read, history, at, settings, namespace, lastError, consumer));
      continue;
    }
    if (history.stuckSince !== undefined && at - history.stuckSince >= settings.stallSeconds * 1000) {
      findings.push(stalled(read, history.stuckSince, at, settings, namespace, consumer));
      continue;
    }
    const perSecond = growthRate(history, at, settings.fallingBehindSeconds);
    if (perSecond !== undefined && consumer && atLimit(consumer))
      findings.push(fallingBehind(read, perSecond, consumer, settings.fallingBehindSeconds));
  }
  for (const { read, history } of observation.deadLetters) {
    if (read.count > 0) findings.push(deadLetters(read, history, observation.replay));
  }
  if (findings.length === 0) {
    // No counts here: a message that changed with every read would rewrite the status each interval.
    return {
      type,
      status: "True",
      reason: "Flowing",
      message: `every stage with a backlog is consumed and acknowledging (${observation.stages.map((s) => s.read.stage).join(", ")}), no dead letters`,
    };
  }
  findings.sort((a, b) => PIPELINE_REASONS.indexOf(a.reason) - PIPELINE_REASONS.indexOf(b.reason));
  const message = findings.map((f) => f.message).join("; ");
  return {
    type,
    status: "False",
    reason: (findings[0] as Finding).reason,
    message: message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 1)}…` : message,
  };
}
