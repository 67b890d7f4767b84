import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { RuntimeProcess } from "../harness.js";
import { anyCase, type CaseSpec } from "./cases.js";
import {
  type Accepted,
  accepted,
  canary,
  describeStep,
  type Finding,
  lostEvents,
  send,
  type Target,
} from "./oracle.js";
import { type FuzzEnv, render, type Step } from "./render.js";
import { Sink } from "./sink.js";
import { describeValue } from "./values.js";

export interface FuzzOptions {
  cases: number;
  seed: number;
  /** Cases per batch; the pipeline checks run after each batch. */
  batchSize: number;
  /** Cases in flight at once within a batch. */
  concurrency: number;
  /** How long the canary may take to be stored. */
  canaryTimeoutMs: number;
  /** How long accepted events may take to be stored or dead-lettered after the canary. */
  settleMs: number;
  /** Time spent minimising failures (bisecting batches, shrinking cases with fast-check). */
  minimiseSeconds: number;
  log: (line: string) => void;
}

/** One failure: where it came from (seed, batch) and the smallest input found that shows it. */
export interface Failure {
  seed: number;
  batch: number;
  findings: Finding[];
  /** The smallest list of cases found that still fails (one case after a successful bisection). */
  counterexample: CaseSpec[];
  shrunk: boolean;
}

export interface FuzzReport {
  seed: number;
  cases: number;
  requests: number;
  acceptedEvents: number;
  statuses: Record<string, number>;
  serverErrors: number;
  stalls: number;
  lostEvents: number;
  failures: Failure[];
  seconds: number;
}

/** A runtime started for fuzzing, with the sources and the loopback receiver the cases use. */
export interface FuzzTarget extends Target {
  env: FuzzEnv;
  stop(): Promise<void>;
}

/** The standalone runtime, its remote calls allowed only to the test's own loopback receiver. */
export async function startStandalone(sink: Sink, attempts = 3): Promise<FuzzTarget> {
  try {
    return await startOnce(sink);
  } catch (error) {
    // A start can miss the harness's deadline on a busy machine: that is not a finding.
    if (attempts <= 1) throw error;
    return startStandalone(sink, attempts - 1);
  }
}

async function startOnce(sink: Sink): Promise<FuzzTarget> {
  const runtime = await RuntimeProcess.start({
    TRACARDI_HTTP_ALLOW_PRIVATE: "true",
    TRACARDI_MAX_DELIVERY_ATTEMPTS: "3",
    TRACARDI_DISPATCH_RETRY_BASE_MS: "100",
    TRACARDI_DISPATCH_RETRY_MAX_MS: "1000",
    TRACARDI_INLINE_WORKFLOW_TIMEOUT_MS: "300",
    TRACARDI_MERGE_INTERVAL_MS: "1000",
  });
  await runtime.createSource("fuzz-rest");
  await runtime.createSource("fuzz-hook", { type: "webhook" });
  return {
    publicUrl: runtime.publicUrl,
    privateUrl: runtime.privateUrl,
    token: runtime.token,
    env: { restSource: "fuzz-rest", webhookSource: "fuzz-hook", sinkUrl: sink.url },
    stop: () => runtime.stop(),
  };
}

/** The seed of one case: cases can be generated, replayed and shrunk one by one. */
export function caseSeed(seed: number, index: number): number {
  return (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(index + 1, 0xc2b2ae35)) | 0;
}

/** The seed each generated case came from (for shrinking it later). */
const seeds = new WeakMap<CaseSpec, number>();

export function generateCase(seed: number, index: number): CaseSpec {
  const own = caseSeed(seed, index);
  const spec = fc.sample(anyCase, { seed: own, numRuns: 1 })[0] as CaseSpec;
  seeds.set(spec, own);
  return spec;
}

/** TRACARDI_BODY_LIMIT's default, which the fuzzed runtime keeps. */
const DEFAULT_BODY_LIMIT = 1_048_576;

interface BatchResult {
  findings: Finding[];
  /** Answers per status (0: none). */
  statuses: Record<string, number>;
  requests: number;
  acceptedEvents: number;
}

/**
 * Sends a batch of cases (several at a time), then checks the pipeline: a canary gets through, and
 * every event a 2xx accepted is stored or dead-lettered. Configuration the batch created is deleted.
 */
export async function runBatch(
  target: FuzzTarget,
  specs: CaseSpec[],
  tag: string,
  options: Pick<FuzzOptions, "concurrency" | "canaryTimeoutMs" | "settleMs">,
): Promise<BatchResult> {
  const findings: Finding[] = [];
  const promised: Accepted[] = [];
  const created: string[] = [];
  const statuses: Record<string, number> = {};
  let requests = 0;
  const runCase = async (index: number) => {
    const spec = specs[index] as CaseSpec;
    const bound = new Map<string, string>();
    for (const [stepIndex, template] of render(spec, `${tag}-${index}`, target.env).entries()) {
      if (template.needs?.some((name) => !bound.has(name))) continue;
      const step = bind(template, bound);
      requests++;
      const answer = await send(target, step);
      if (answer.error === undefined) statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
      const request = describeStep(step);
      if (answer.error !== undefined && (step.body?.length ?? 0) > DEFAULT_BODY_LIMIT) {
        // A server may answer 413 and close before it has read the rest: the client sees a reset.
        statuses["413 (closed)"] = (statuses["413 (closed)"] ?? 0) + 1;
      } else if (answer.error !== undefined) {
        findings.push({
          kind: "no-answer",
          caseIndex: index,
          step: stepIndex,
          request,
          detail: answer.error,
        });
      } else if (answer.status >= 500) {
        const detail = JSON.stringify(answer.body).slice(0, 300);
        findings.push({
          kind: "5xx",
          caseIndex: index,
          step: stepIndex,
          status: answer.status,
          request,
          detail,
        });
      }
      const promise = accepted(index, step, answer);
      if (promise) promised.push(promise);
      const id = (answer.body as { id?: unknown } | null)?.id;
      if (answer.status >= 200 && answer.status < 300 && typeof id === "string") {
        if (step.binds) bound.set(step.binds, id);
        if (step.creates) created.push(`${step.creates}/${encodeURIComponent(id)}`);
      }
    }
  };
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(options.concurrency, specs.length) }, async () => {
      while (next < specs.length) await runCase(next++);
    }),
  );
  const stall = await canary(target, tag, target.env.restSource, options.canaryTimeoutMs);
  if (stall) findings.push(stall);
  // Stalled, nothing more gets stored: losses cannot be told from the stall.
  else findings.push(...(await lostEvents(target, promised, options.settleMs)));
  for (const path of created.reverse()) {
    const answer = await send(target, { api: "private", method: "DELETE", path, headers: {} });
    if (answer.status >= 500) {
      const detail = JSON.stringify(answer.body).slice(0, 300);
      findings.push({
        kind: "5xx",
        caseIndex: -1,
        step: 0,
        status: answer.status,
        request: `DELETE ${path}`,
        detail,
      });
    }
  }
  return {
    findings,
    statuses,
    requests,
    acceptedEvents: promised.reduce((n, p) => n + p.eventIds.length, 0),
  };
}

/** Fills `{flow}`, `{resource}`, `{config}` with the ids earlier steps of the case were given. */
function bind(step: Step, bound: Map<string, string>): Step {
  if (bound.size === 0 || step.body === undefined) return step;
  let text = Buffer.from(step.body).toString("utf8");
  for (const [name, id] of bound) text = text.replaceAll(`{${name}}`, id.replaceAll('"', '\\"'));
  return { ...step, body: new TextEncoder().encode(text) };
}

/** Runs `cases` cases in batches against fresh runtimes (a new one after each failure). */
export async function fuzz(options: FuzzOptions): Promise<FuzzReport> {
  const started = Date.now();
  const sink = await Sink.start();
  const run = randomBytes(3).toString("hex");
  const report: FuzzReport = {
    seed: options.seed,
    cases: 0,
    requests: 0,
    acceptedEvents: 0,
    statuses: {},
    serverErrors: 0,
    stalls: 0,
    lostEvents: 0,
    failures: [],
    seconds: 0,
  };
  let minimiseBudgetEnd = 0;
  const seen = new Set<string>();
  let target = await startStandalone(sink);
  try {
    const batches = Math.ceil(options.cases / options.batchSize);
    for (let batch = 0; batch < batches; batch++) {
      const first = batch * options.batchSize;
      const count = Math.min(options.batchSize, options.cases - first);
      const specs = Array.from({ length: count }, (_, i) => generateCase(options.seed, first + i));
      const result = await runBatch(target, specs, `${run}-b${batch}`, options);
      report.cases += count;
      report.requests += result.requests;
      report.acceptedEvents += result.acceptedEvents;
      for (const [status, n] of Object.entries(result.statuses))
        report.statuses[status] = (report.statuses[status] ?? 0) + n;
      report.serverErrors += result.findings.filter((f) => f.kind === "5xx" || f.kind === "no-answer").length;
      report.stalls += result.findings.filter((f) => f.kind === "stall").length;
      report.lostEvents += result.findings.filter((f) => f.kind === "lost").length;
      if ((batch + 1) % 10 === 0 || batch === batches - 1) {
        options.log(
          `fuzz: ${report.cases} cases, ${report.requests} requests, ${report.serverErrors} 5xx, ${report.stalls} stalls, ${report.lostEvents} lost (${Math.round((Date.now() - started) / 1000)} s)`,
        );
      }
      if (result.findings.length === 0) continue;
      const broken = result.findings.some((f) => f.kind === "stall" || f.kind === "lost");
      // Minimise each new kind of failure while the budget lasts (the budget starts with the first).
      if (minimiseBudgetEnd === 0)
        minimiseBudgetEnd = Math.max(Date.now(), started) + options.minimiseSeconds * 1000;
      const fresh = result.findings.filter((f) => !seen.has(signature(f)));
      for (const f of result.findings) seen.add(signature(f));
      const failure: Failure = {
        seed: options.seed,
        batch,
        findings: result.findings,
        counterexample: specs,
        shrunk: false,
      };
      if (fresh.length > 0 && Date.now() < minimiseBudgetEnd) {
        options.log(`batch ${batch}: ${fresh[0]?.kind} found; minimising…`);
        if (broken) await target.stop();
        const minimal = await minimise(
          specs,
          fresh[0] as Finding,
          sink,
          broken ? null : target,
          options,
          minimiseBudgetEnd,
          `${run}-m${batch}`,
        );
        failure.counterexample = minimal.specs;
        failure.shrunk = minimal.shrunk;
        if (broken) target = await startStandalone(sink);
      } else if (broken) {
        await target.stop();
        target = await startStandalone(sink);
      }
      if (fresh.length > 0) {
        report.failures.push(failure);
        options.log(formatFailure(failure));
      }
    }
  } finally {
    await target.stop();
    await sink.close();
  }
  report.seconds = (Date.now() - started) / 1000;
  return report;
}

/** Findings of one kind on one request shape count once. */
function signature(finding: Finding): string {
  switch (finding.kind) {
    case "5xx":
    case "no-answer":
      return `${finding.kind} ${finding.request
        .split(" ")
        .slice(0, 3)
        .join(" ")
        .replace(/\/[^/?]*$/, "/…")} ${finding.caseIndex < 0 ? finding.request : ""}`;
    case "stall":
      return "stall";
    case "lost":
      return "lost";
  }
}

/**
 * The smallest failing input within the budget: for a 5xx, the case alone, shrunk by fast-check on
 * the live runtime; for a stall or a loss, the batch bisected on fresh runtimes, then the case
 * shrunk (a fresh runtime per attempt).
 */
async function minimise(
  specs: CaseSpec[],
  finding: Finding,
  sink: Sink,
  live: FuzzTarget | null,
  options: FuzzOptions,
  until: number,
  tag: string,
): Promise<{ specs: CaseSpec[]; shrunk: boolean }> {
  let attempt = 0;
  const fails = async (subset: CaseSpec[]): Promise<boolean> => {
    const target = live ?? (await startStandalone(sink));
    try {
      const result = await runBatch(target, subset, `${tag}-${attempt++}`, options);
      return result.findings.some((f) => f.kind === finding.kind);
    } finally {
      if (!live) await target.stop();
    }
  };
  let current = specs;
  if ((finding.kind === "5xx" || finding.kind === "no-answer") && finding.caseIndex >= 0) {
    current = [specs[finding.caseIndex] as CaseSpec];
  } else {
    // Bisection: keep the half that still fails; stop when neither half fails alone.
    while (current.length > 1 && Date.now() < until) {
      const half = Math.ceil(current.length / 2);
      const [a, b] = [current.slice(0, half), current.slice(half)];
      if (await fails(a)) current = a;
      else if (Date.now() < until && (await fails(b))) current = b;
      else break;
    }
  }
  options.log(`  ${current.length} case(s) after bisection (${attempt} runs)`);
  if (current.length !== 1 || Date.now() >= until) return { specs: current, shrunk: false };
  const shrunk = await shrinkCase(current[0] as CaseSpec, (spec) => fails([spec]), until);
  return { specs: [shrunk], shrunk: shrunk !== current[0] };
}

/**
 * fast-check's shrinking of a failing case: the case is generated again from its own seed as the
 * property's only run, then smaller values are tried while they fail and time remains.
 */
async function shrinkCase(
  spec: CaseSpec,
  fails: (spec: CaseSpec) => Promise<boolean>,
  until: number,
): Promise<CaseSpec> {
  const seed = seeds.get(spec);
  if (seed === undefined) return spec;
  const result = await fc.check(
    fc.asyncProperty(anyCase, async (candidate) => Date.now() >= until || !(await fails(candidate))),
    { seed, numRuns: 1 },
  );
  return result.counterexample?.[0] ?? spec;
}

export function formatFailure(failure: Failure): string {
  const lines = [
    `FAILURE seed=${failure.seed} batch=${failure.batch} (FUZZ_SEED=${failure.seed}; cases ${failure.batch}*batch…)`,
    ...failure.findings.slice(0, 8).map((f) => `  ${formatFinding(f)}`),
    ...(failure.findings.length > 8 ? [`  … ${failure.findings.length - 8} more findings`] : []),
    `  counterexample (${failure.counterexample.length} case${failure.counterexample.length === 1 ? "" : "s"}${failure.shrunk ? ", shrunk" : ""}):`,
    ...failure.counterexample.slice(0, 5).map((c) => `    ${describeValue(c)}`),
    ...(failure.counterexample.length === 1
      ? render(failure.counterexample[0] as CaseSpec, "TAG", {
          restSource: "fuzz-rest",
          webhookSource: "fuzz-hook",
          sinkUrl: "http://127.0.0.1:SINK",
        }).map((s) => `    → ${describeStep(s)}`)
      : []),
  ];
  return lines.join("\n");
}

function formatFinding(finding: Finding): string {
  switch (finding.kind) {
    case "5xx":
      return `5xx ${finding.status} on case ${finding.caseIndex} step ${finding.step}: ${finding.request.slice(0, 300)} → ${finding.detail}`;
    case "no-answer":
      return `no answer on case ${finding.caseIndex} step ${finding.step}: ${finding.request.slice(0, 300)} → ${finding.detail}`;
    case "stall":
      return `stall: ${finding.detail}`;
    case "lost":
      return `lost event ${finding.eventId} of case ${finding.caseIndex}: ${finding.detail}`;
  }
}

export function formatReport(report: FuzzReport): string {
  return [
    `fuzz seed ${report.seed}: ${report.cases} cases, ${report.requests} requests, ${report.acceptedEvents} accepted events, ${report.seconds.toFixed(1)} s`,
    `  answers by status: ${Object.entries(report.statuses)
      .map(([s, n]) => `${s === "0" ? "none" : s}: ${n}`)
      .join(", ")}`,
    `  5xx for client input: ${report.serverErrors}`,
    `  stalls: ${report.stalls}`,
    `  lost events: ${report.lostEvents}`,
    `  distinct failures: ${report.failures.length}`,
  ].join("\n");
}
