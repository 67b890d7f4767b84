import type { Profile, Session } from "./types.js";

/**
 * How many payload tasks a profile and a session remember having applied. A payload is redelivered
 * only while its ack is outstanding, and a key's later payloads are applied behind it within the
 * batches in flight (4 loops of at most `TRACARDI_COLLECTOR_BATCH`, 50 by default, whose bytes are capped at
 * 256 kB), so a redelivered task is still among the last ones by far.
 */
export const APPLIED_TASKS_KEPT = 200;

/**
 * What a profile or a session keeps of a task: its last 12 characters, the 48 random bits that end
 * a UUID (a payload's task, version 7 or 4; a merge's, `merge:<uuid>`). The whole id made the 200
 * kept tasks 7.8 kB of every profile and session, copied, serialised and written with each payload;
 * among 200 marks a redelivered task is mistaken for another about once in 10^12 checks.
 */
export function taskMark(task: string): string {
  return task.slice(-12);
}

/** Whether the profile or the session already holds the effects of this payload task. */
export function alreadyApplied(task: string, profile: Profile | null, session: Session | null): boolean {
  const mark = taskMark(task);
  const holds = (list: string[] | undefined) =>
    list !== undefined && (list.includes(mark) || list.includes(task)); // whole ids: kept before marks
  return holds(profile?.metadata.system.aux.applied_tasks) || holds(session?.metadata.applied_tasks);
}

/** Records the task as applied to the profile and the session, keeping the newest `kept`. */
export function recordApplied(
  task: string,
  profile: Profile | null,
  session: Session | null,
  kept = APPLIED_TASKS_KEPT,
): void {
  if (profile) {
    const aux = profile.metadata.system.aux;
    aux.applied_tasks = appended(aux.applied_tasks, task, kept);
  }
  if (session) session.metadata.applied_tasks = appended(session.metadata.applied_tasks, task, kept);
}

function appended(list: string[] | undefined, task: string, kept: number): string[] {
  const mark = taskMark(task);
  const next = [...(list ?? []).filter((t) => t !== mark && t !== task), mark];
  return next.length > kept ? next.slice(next.length - kept) : next;
}
