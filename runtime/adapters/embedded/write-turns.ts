/**
 * Turns at the SQLite write lock between a standalone process's intake (main thread) and its
 * processing thread, which share one file. SQLite's busy handler is not fair: a waiting connection
 * sleeps 1, 2, 5, 10… ms between tries, so a processing thread that commits back to back kept
 * /track waiting tens of ms, up to the 5 s busy timeout (503 "database is locked"). With these turns
 * the processing thread starts no write transaction while intake waits to commit, and intake waits
 * for the processing thread's running transaction to end (woken when it does) instead of sleeping.
 *
 * Two counters in shared memory: intake commits waiting, and whether processing is in a write.
 * Without `useWriteTurns` (no processing thread) both sides just run their writes.
 */
const INTAKE_WAITING = 0;
const PROCESSING_WRITES = 1;
/** Bounds either side's wait: a side stuck elsewhere must not stop the other (SQLite's lock still holds). */
const MAX_WAIT_MS = 50;

/** This thread's side (module state is per thread), once turns are shared. */
let turns: { counters: Int32Array; side: "intake" | "processing" } | null = null;
/** Processing writes running on this thread (a write inside another takes no turn of its own). */
let depth = 0;

/** The shared counters, made once per process on the main thread (intake) and handed to the processing thread. */
export function shareWriteTurns(): SharedArrayBuffer {
  if (turns === null) turns = { counters: new Int32Array(new SharedArrayBuffer(8)), side: "intake" };
  return turns.counters.buffer as SharedArrayBuffer;
}

/** On the processing thread: take turns with the intake through `buffer` (from `shareWriteTurns`). */
export function useWriteTurns(buffer: SharedArrayBuffer): void {
  turns = { counters: new Int32Array(buffer), side: "processing" };
}

/** Intake: runs `commit` once the processing thread's running write transaction (if any) has ended. */
export function intakeCommit<T>(commit: () => T): T {
  if (turns?.side !== "intake") return commit();
  const t = turns.counters;
  Atomics.add(t, INTAKE_WAITING, 1);
  try {
    waitWhileSet(t, PROCESSING_WRITES);
    return commit();
  } finally {
    Atomics.sub(t, INTAKE_WAITING, 1);
    Atomics.notify(t, INTAKE_WAITING);
  }
}

/** Processing thread: runs a write transaction `write` once no intake commit waits. */
export function processingWrite<T>(write: () => T): T {
  if (turns?.side !== "processing" || depth > 0) return write();
  const t = turns.counters;
  waitWhileSet(t, INTAKE_WAITING);
  Atomics.store(t, PROCESSING_WRITES, 1);
  depth++;
  try {
    return write();
  } finally {
    depth--;
    Atomics.store(t, PROCESSING_WRITES, 0);
    Atomics.notify(t, PROCESSING_WRITES);
  }
}

function waitWhileSet(t: Int32Array, index: number): void {
  const deadline = Date.now() + MAX_WAIT_MS;
  for (;;) {
    const value = Atomics.load(t, index);
    const left = deadline - Date.now();
    if (value === 0 || left <= 0) return;
    Atomics.wait(t, index, value, left);
  }
}
