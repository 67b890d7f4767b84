import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../harness.js";

// In a container the runtime is PID 1 of its PID namespace, and the kernel drops every signal PID 1
// has no handler for. A pod stopped while it was still starting (a worker scaled down as it came up,
// the autoscaler's scale to zero) used to lose its SIGTERM and work on until SIGKILL after the grace
// period. Here the runtime runs as PID 1 of a new PID namespace (`unshare --pid --fork`, root only)
// and is stopped while its MySQL — a local server that accepts and never answers — holds its start.
const CLI = resolve(import.meta.dirname, "../../../dist/runtime/cli.js");
const unshare = spawnSync("unshare", ["--pid", "--fork", "true"]);
const cannot =
  unshare.status === 0
    ? undefined
    : `needs \`unshare --pid --fork\` (root): ${String(unshare.stderr || unshare.error?.message).trim()}`;
if (cannot) console.warn(`[integration] stop-while-starting SKIPPED: ${cannot}`);

let silent: Server | undefined;
let sockets: Socket[] = [];
let child: ChildProcess | undefined;
let runtimePid: number | undefined;
let dataDir: string | undefined;

afterEach(async () => {
  if (runtimePid !== undefined && child?.exitCode === null) process.kill(runtimePid, "SIGKILL");
  for (const socket of sockets) socket.destroy();
  sockets = [];
  await new Promise<void>((done) => (silent ? silent.close(() => done()) : done()));
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** The PID (as this machine sees it) of the process `unshare --fork` started. */
function forkedChild(unsharePid: number): number {
  const children = readFileSync(`/proc/${unsharePid}/task/${unsharePid}/children`, "utf8").trim();
  return Number(children.split(" ")[0]);
}

describe.skipIf(cannot !== undefined)(
  `a runtime that is PID 1${cannot ? ` (SKIPPED: ${cannot})` : ""}`,
  () => {
    it("ends at once on a SIGTERM that comes while it is still starting", async () => {
      let connected: () => void = () => {};
      const firstConnection = new Promise<void>((done) => {
        connected = done;
      });
      silent = createServer((socket) => {
        sockets.push(socket);
        connected();
      });
      await new Promise<void>((done) => silent?.listen(0, "127.0.0.1", () => done()));
      const address = silent.address();
      const mysqlPort = typeof address === "object" && address ? address.port : 0;
      dataDir = mkdtempSync(join(tmpdir(), "tracardi-stop-"));

      child = spawn("unshare", ["--pid", "--fork", process.execPath, CLI, "api", "--role", "private"], {
        env: {
          ...process.env,
          TRACARDI_DATA_DIR: dataDir,
          TRACARDI_PRIVATE_PORT: String(await freePort()),
          TRACARDI_ADMIN_TOKEN: "stop-test-token",
          TRACARDI_MYSQL_URL: `mysql://127.0.0.1:${mysqlPort}/tracardi`,
          TRACARDI_MYSQL_USER: "tracardi",
          TRACARDI_MYSQL_PASSWORD: "tracardi",
          TRACARDI_MYSQL_TIMEOUT_MS: "120000",
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      child.stdout?.on("data", (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.stderr?.on("data", (chunk: Buffer) => {
        output += chunk.toString();
      });
      const exited = new Promise<number | null>((done) => child?.once("exit", (code) => done(code)));

      // Starting: it waits for MySQL's greeting, which never comes.
      await firstConnection;
      runtimePid = forkedChild(child.pid as number);
      expect(readFileSync(`/proc/${runtimePid}/status`, "utf8")).toMatch(/^NSpid:\s+\d+\s+1$/m);

      process.kill(runtimePid, "SIGTERM");
      const timeout = new Promise<"still running">((done) =>
        setTimeout(() => done("still running"), 5_000).unref(),
      );
      const code = await Promise.race([exited, timeout]);
      expect(code, output).toBe(0);
      expect(output).toContain("stopped while starting");
    }, 60_000);
  },
);
