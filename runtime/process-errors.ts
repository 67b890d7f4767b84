import type { UncaughtKind } from "./stages/thread-protocol.js";
import { errorStack } from "./supervision.js";

/**
 * Logs every unhandled rejection (and, when `kinds` says so, uncaught exception) of this thread
 * with its stack and which thread it happened on, then hands it to `count`. Installing the handler
 * keeps the thread running: a rejection nobody awaited is reported, not fatal. Returns what removes
 * the handlers.
 */
export function watchProcessErrors(
  thread: string,
  kinds: readonly UncaughtKind[],
  count: (kind: UncaughtKind) => void,
  log: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): () => void {
  const onRejection = (reason: unknown) => {
    log(`unhandled rejection on the ${thread} thread: ${errorStack(reason)}`);
    count("rejection");
  };
  const onException = (error: Error, origin: string) => {
    log(`uncaught exception (${origin}) on the ${thread} thread: ${errorStack(error)}`);
    count("exception");
  };
  if (kinds.includes("rejection")) process.on("unhandledRejection", onRejection);
  if (kinds.includes("exception")) {
    process.on("uncaughtException", onException);
    // Output whose reader is gone (a closed pipe: EPIPE) fails on the stream; unheard, each failure
    // was an uncaught exception whose log line failed again: a loop that kept a worker at a full
    // core and 1.7 GB once its parent had died. With nobody reading, there is no one to tell.
    process.stdout.on("error", ignoreOutputError);
    process.stderr.on("error", ignoreOutputError);
  }
  return () => {
    process.off("unhandledRejection", onRejection);
    process.off("uncaughtException", onException);
    process.stdout.off("error", ignoreOutputError);
    process.stderr.off("error", ignoreOutputError);
  };
}

function ignoreOutputError(): void {}
