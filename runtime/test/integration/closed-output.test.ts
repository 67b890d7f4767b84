import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { expect, it } from "vitest";

// A worker whose parent died (its stdout and stderr pipes closed) kept logging: each write failed
// with EPIPE on the stream, nobody listened, so it became an uncaught exception, whose log line failed
// again — a loop that held a full core and 1.7 GB. Its logging must fail quietly instead.
const PROCESS_ERRORS = pathToFileURL(
  resolve(import.meta.dirname, "../../../dist/runtime/process-errors.js"),
).href;

it("logs into closed output without counting errors or spinning", async () => {
  const child = spawn(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `import { watchProcessErrors } from ${JSON.stringify(PROCESS_ERRORS)};
       let counted = 0;
       watchProcessErrors("main", ["exception", "rejection"], () => counted++);
       const started = process.cpuUsage();
       const writing = setInterval(() => process.stderr.write("a log line\\n"), 5);
       setTimeout(() => {
         clearInterval(writing);
         const { user, system } = process.cpuUsage(started);
         process.send({ counted, cpuMs: (user + system) / 1000 }, () => process.exit(0));
       }, 1500);`,
    ],
    { stdio: ["ignore", "pipe", "pipe", "ipc"] },
  );
  // The reader goes away, as a dead parent's would.
  child.stdout?.destroy();
  child.stderr?.destroy();
  const report = await new Promise<{ counted: number; cpuMs: number }>((ok, fail) => {
    child.once("message", (message) => ok(message as { counted: number; cpuMs: number }));
    child.once("exit", (code) => fail(new Error(`exited with ${code} before reporting`)));
  });
  expect(report.counted).toBe(0);
  // About 300 writes in 1.5 s: milliseconds of CPU, not the 1.5 s of a loop.
  expect(report.cpuMs).toBeLessThan(750);
});
