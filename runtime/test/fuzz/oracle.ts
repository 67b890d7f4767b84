import { derivedId } from "../../domain/ids.js";
import type { Expectation, Step } from "./render.js";
import { wellFormed } from "./values.js";

/** The running runtime as the oracle sees it: two base URLs and the admin token. */
export interface Target {
  publicUrl: string;
  privateUrl: string;
  token: string;
}

export interface Answer {
  status: number;
  body: unknown;
  /** No answer at all (connection reset, timeout). */
  error?: string;
}

/** What the fuzzer found; `caseIndex` is the case's place in its batch (-1: the oracle's own query). */
export type Finding =
  | { kind: "5xx"; caseIndex: number; step: number; status: number; request: string; detail: string }
  | { kind: "no-answer"; caseIndex: number; step: number; request: string; detail: string }
  | { kind: "stall"; detail: string }
  | { kind: "lost"; caseIndex: number; eventId: string; task: string; detail: string };

/** An accepted request whose events must show up. */
export interface Accepted {
  caseIndex: number;
  task: string;
  sessionId: string | null;
  eventIds: string[];
}

const REQUEST_TIMEOUT_MS = 30_000;

/** Sends one step; never throws (an unanswered request is an answer with `error`). */
export async function send(target: Target, step: Step): Promise<Answer> {
  const base = step.api === "public" ? target.publicUrl : target.privateUrl;
  const headers = { ...step.headers };
  if (step.api === "private") headers.authorization = `Bearer ${target.token}`;
  try {
    const response = await fetch(`${base}${step.path}`, {
      method: step.method,
      headers,
      body: step.method === "GET" ? undefined : step.body,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text === "" ? null : JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: response.status, body };
  } catch (error) {
    return {
      status: 0,
      body: null,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    };
  }
}

/** A short description of a request, for reports. */
export function describeStep(step: Step): string {
  const body = step.body ? Buffer.from(step.body) : null;
  const shown = body
    ? body.length > 300
      ? `${JSON.stringify(body.subarray(0, 300).toString("latin1"))}… (${body.length} bytes)`
      : JSON.stringify(body.toString("latin1"))
    : "";
  return `${step.method} ${step.api} ${step.path} ${step.headers["content-type"] ?? ""} ${shown}`.trim();
}

/** The events a 2xx answer to `step` promised, with the ids the runtime gives them. */
export function accepted(caseIndex: number, step: Step, answer: Answer): Accepted | null {
  if (answer.status < 200 || answer.status >= 300 || step.expects === undefined) return null;
  const body = answer.body as { task?: unknown; session?: { id?: unknown } } | null;
  if (body === null || typeof body !== "object" || typeof body.task !== "string") return null;
  const task = body.task;
  const sessionId = typeof body.session?.id === "string" ? body.session.id : null;
  if (step.expects === "unknown") {
    // The payload's events are unknown to the fuzzer; the first one gets a derived id or its own.
    return { caseIndex, task, sessionId, eventIds: [] };
  }
  const expectation: Expectation = step.expects;
  return {
    caseIndex,
    task,
    sessionId,
    eventIds: expectation.eventIds.map((id, i) => id ?? derivedId(task, `event-${i}`)),
  };
}

async function admin(target: Target, path: string): Promise<Answer> {
  return send(target, { api: "private", method: "GET", path, headers: {} });
}

/** Sends a canary event and waits until it is stored; a finding when it is not within `timeoutMs`. */
export async function canary(
  target: Target,
  tag: string,
  source: string,
  timeoutMs: number,
): Promise<Finding | null> {
  const id = `canary-${tag}`;
  const step: Step = {
    api: "public",
    method: "POST",
    path: "/track",
    headers: { "content-type": "application/json", "user-agent": "fuzz-canary" },
    body: new TextEncoder().encode(
      JSON.stringify({
        source: { id: source },
        session: { id: `canary-${tag}` },
        events: [{ id, type: "canary" }],
      }),
    ),
  };
  const sent = await send(target, step);
  if (sent.status !== 200) {
    return {
      kind: "stall",
      detail: `canary not accepted: ${sent.status} ${sent.error ?? JSON.stringify(sent.body)}`,
    };
  }
  const deadline = Date.now() + timeoutMs;
  let last: Answer = sent;
  while (Date.now() < deadline) {
    last = await admin(target, `/api/v1/events/${id}`);
    if (last.status === 200) return null;
    await sleep(100);
  }
  const status = await admin(target, "/api/v1/status");
  return {
    kind: "stall",
    detail: `canary event not stored within ${timeoutMs} ms (last ${last.status}); status ${status.status}: ${JSON.stringify(status.body).slice(0, 600)}`,
  };
}

/**
 * Waits (up to `settleMs`) until every promised event is stored or dead-lettered; what is neither
 * is lost. Also returns 5xx answers of the oracle's own queries.
 */
export async function lostEvents(target: Target, promised: Accepted[], settleMs: number): Promise<Finding[]> {
  type Pending = { owner: Accepted; eventId: string };
  let pending: Pending[] = promised.flatMap((owner) => owner.eventIds.map((eventId) => ({ owner, eventId })));
  const oracleErrors: Finding[] = [];
  const deadline = Date.now() + settleMs;
  for (;;) {
    const still: Pending[] = [];
    for (const item of pending) if (!(await isStored(target, item, oracleErrors))) still.push(item);
    // Dead letters only when something is missing: their bodies can be large.
    const deadLetters = still.length > 0 ? await deadLetterText(target, oracleErrors) : "";
    pending = still.filter(
      (item) => !deadLetters.includes(item.owner.task) && !deadLetters.includes(JSON.stringify(item.eventId)),
    );
    if (pending.length === 0 || Date.now() > deadline) break;
    await sleep(500);
  }
  const backlog =
    pending.length > 0 ? JSON.stringify((await admin(target, "/api/v1/status")).body).slice(0, 400) : "";
  return [
    ...oracleErrors,
    ...pending.map(
      (p): Finding => ({
        kind: "lost",
        caseIndex: p.owner.caseIndex,
        eventId: p.eventId,
        task: p.owner.task,
        detail: `accepted (task ${p.owner.task}), neither stored nor dead-lettered after ${settleMs} ms; status ${backlog}`,
      }),
    ),
  ];
}

async function isStored(
  target: Target,
  item: { owner: Accepted; eventId: string },
  errors: Finding[],
): Promise<boolean> {
  if (wellFormed(item.eventId) === item.eventId) {
    const answer = await admin(target, `/api/v1/events/${encodeURIComponent(item.eventId)}`);
    noteOracleError(answer, "GET /api/v1/events/{id}", errors, item.eventId);
    if (answer.status === 200) return true;
  }
  // Ids that cannot be put in a URL, or that the single-event lookup misses: the session's listing.
  const session = item.owner.sessionId;
  if (session === null || wellFormed(session) !== session) return false;
  const answer = await admin(target, `/api/v1/events?session=${encodeURIComponent(session)}&limit=1000`);
  noteOracleError(answer, "GET /api/v1/events?session={id}", errors, session);
  const items = (answer.body as { items?: { id?: unknown }[] } | null)?.items ?? [];
  return Array.isArray(items) && items.some((e) => e.id === item.eventId);
}

/** Every dead letter's JSON, concatenated (the fuzzer looks for tasks and event ids in it). */
/** The largest page GET /api/v1/dead-letters serves. */
const DEAD_LETTER_PAGE = 1000;

async function deadLetterText(target: Target, errors: Finding[]): Promise<string> {
  const parts: string[] = [];
  // Every page of every topic: a long run parks more letters than one page holds.
  for (const topic of ["collector", "storage", "workflow", "dispatch"]) {
    for (let offset = 0; ; offset += DEAD_LETTER_PAGE) {
      const request = `/api/v1/dead-letters?topic=${topic}&limit=${DEAD_LETTER_PAGE}&offset=${offset}`;
      const answer = await admin(target, request);
      noteOracleError(answer, `GET /api/v1/dead-letters?topic=${topic}`, errors);
      if (answer.status !== 200) break;
      parts.push(JSON.stringify(answer.body));
      const page = answer.body as { total?: number; items?: unknown[] };
      if (!Array.isArray(page.items) || offset + page.items.length >= (page.total ?? 0)) break;
    }
  }
  return parts.join("\n");
}

/** A 5xx of the oracle's own query (once per kind of query): the private API failed on stored data. */
function noteOracleError(answer: Answer, request: string, errors: Finding[], id = ""): void {
  if (answer.status >= 500 && !errors.some((e) => e.kind === "5xx" && e.request === request)) {
    const detail = `${id ? `id ${JSON.stringify(id)}: ` : ""}${JSON.stringify(answer.body).slice(0, 300)}`;
    errors.push({ kind: "5xx", caseIndex: -1, step: 0, status: answer.status, request, detail });
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((ok) => setTimeout(ok, ms));
}
