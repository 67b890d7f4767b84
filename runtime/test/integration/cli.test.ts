import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { eventually } from "../harness.js";

// The commands the operator's Deployments run: every worker starts and serves its health port.
const CLI = resolve(import.meta.dirname, "../../../dist/runtime/cli.js");
const dataDir = mkdtempSync(join(tmpdir(), "tracardi-cli-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe("tracardi worker …", () => {
  it.each([
    ["collector", 8791],
    ["background", 8792],
    ["apm", 8793],
    ["workflow", 8794],
  ])("worker %s serves /healthz and /readyz and says which stages run", async (worker, port) => {
    const child = spawn(process.execPath, [CLI, "worker", worker], {
      env: {
        ...process.env,
        TRACARDI_DATA_DIR: dataDir,
        TRACARDI_HEALTH_PORT: String(port),
        TRACARDI_HOST: "127.0.0.1",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    try {
      await eventually(async () => {
        const health = await fetch(`http://127.0.0.1:${port}/healthz`);
        expect(health.status).toBe(200);
      });
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
      const expected = {
        collector: "collector",
        background: "storage, dispatch",
        apm: "merge",
        workflow: "none",
      }[worker];
      expect(output).toContain(`stages: ${expected}`);
    } finally {
      const exited = new Promise((ok) => child.once("exit", ok));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    }
  });

  it("refuses an unknown worker with usage and exit code 2", () => {
    const result = spawnSync(process.execPath, [CLI, "worker", "teleporter"], { encoding: "utf8" });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/unknown worker "teleporter"/);
  });
});
