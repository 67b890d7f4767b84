import type { UncaughtKind } from "./stages/thread-protocol.js";
import { errorStack } from "./supervision.js";

/**
 * Logs every unhandled rejection (and, when `kinds` says so, uncaught exception) of this thread
 * with its stack and which thread it happened on, then hands it to `count`. Installing the handler
 * keeps the thread running: a rejection nobody awaited is reported, not fatal.
 */
export function watchProcessErrors(
  thread: string,
  kinds: readonly UncaughtKind[],
  count: (kind: UncaughtKind) => void,
): void {
  const report = (kind: UncaughtKind, error: unknown, origin?: string) => {
    const what = kind === "rejection" ? "unhandled rejection" : `uncaught exception (${origin ?? "throw"})`;
    process.stderr.write(`${what} on the ${thread} thread: ${errorStack(error)}\n`);
    count(kind);
  };
  if (kinds.includes("rejection")) process.on("unhandledRejection", (reason) => report("rejection", reason));
  if (kinds.includes("exception"))
    process.on("uncaughtException", (error, origin) => report("exception", error, origin));
}
