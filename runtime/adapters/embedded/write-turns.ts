/**
 * Turns at the SQLite write lock between a standalone process's intake (main thread) and its
 * processing thread, which share one file. SQLite's busy handler is not fair: a waiting connection
 * sleeps 1, 2, 5, 10… ms between tries, so a processing thread that commits back to back kept
 * /track waiting tens of ms, up to the 5 s busy timeout (503 "database is locked"). With these turns
 * the processing thread starts no write transaction while intake waits to commit, and intake, while
 * one runs, is woken when it ends (Atomics.waitAsync) and goes on reading requests meanwhile.
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

/** Whether this thread (intake) has said it waits to commit. */
let intakeWaiting = false;

/**
 * Intake: whether it may commit now. When not, a processing write is running; from now on the
 * processing thread starts no new one until `intakeCommitted`, and the intake tries again once it
 * has ended (`processingWriteEnded`), reading requests meanwhile instead of sleeping in SQLite's
 * busy handler.
 */
export function intakeTurn(): boolean {
  if (turns?.side !== "intake") return true;
  const t = turns.counters;
  if (!intakeWaiting) {
    Atomics.add(t, INTAKE_WAITING, 1);
    intakeWaiting = true;
  }
  return Atomics.load(t, PROCESSING_WRITES) === 0;
}

/** `Atomics.waitAsync` (Node ≥ 16; not in TypeScript's ES2023 library). */
type WaitAsync = (
  array: Int32Array,
  index: number,
  value: number,
  timeoutMs: number,
) => { async: false; value: string } | { async: true; value: Promise<string> };

/**
 * Intake: resolves when the processing write that kept `intakeTurn` from answering true has ended
 * (or after a bound), without blocking the event loop.
 */
export function processingWriteEnded(): Promise<void> {
  if (turns?.side !== "intake") return Promise.resolve();
  const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;
  const result = waitAsync(turns.counters, PROCESSING_WRITES, 1, MAX_WAIT_MS);
  return result.async ? result.value.then(() => undefined) : Promise.resolve();
}

/** Intake: its commit is done (or given up); the processing thread may write again. */
export function intakeCommitted(): void {
  if (turns?.side !== "intake" || !intakeWaiting) return;
  intakeWaiting = false;
  Atomics.sub(turns.counters, INTAKE_WAITING, 1);
  Atomics.notify(turns.counters, INTAKE_WAITING);
}

/** Processing thread: runs a write transaction `write` once no intake commit waits. */
export function processingWrite<T>(write: () => T): T {
  if (turns?.side !== "processing" || depth > 0) return write();
  const t = turns.counters;
  // Says it writes, then looks for a waiting intake (which says it waits, then looks): one of the
  // two always sees the other.
  const deadline = Date.now() + MAX_WAIT_MS;
  for (;;) {
    Atomics.store(t, PROCESSING_WRITES, 1);
    const waiting = Atomics.load(t, INTAKE_WAITING);
    if (waiting === 0 || Date.now() >= deadline) break;
    Atomics.store(t, PROCESSING_WRITES, 0);
    Atomics.wait(t, INTAKE_WAITING, waiting, Math.max(1, deadline - Date.now()));
  }
  depth++;
  try {
    return write();
  } finally {
    depth--;
    Atomics.store(t, PROCESSING_WRITES, 0);
    Atomics.notify(t, PROCESSING_WRITES);
  }
}
