import type { Profile, Session } from "./types.js";

/**
 * How many payload tasks a profile and a session remember having applied. A payload is redelivered
 * only while its ack is outstanding, and a key's later payloads are applied behind it within the
 * batches in flight (4 loops of at most `TRACARDI_COLLECTOR_BATCH`, 50 by default, whose bytes are capped at
 * 256 kB), so a redelivered task is still among the last ones by far.
 */
export const APPLIED_TASKS_KEPT = 200;

/** Whether the profile or the session already holds the effects of this payload task. */
export function alreadyApplied(task: string, profile: Profile | null, session: Session | null): boolean {
  return (
    (profile?.metadata.system.aux.applied_tasks?.includes(task) ?? false) ||
    (session?.metadata.applied_tasks?.includes(task) ?? false)
  );
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
  const next = [...(list ?? []).filter((t) => t !== task), task];
  return next.length > kept ? next.slice(next.length - kept) : next;
}
