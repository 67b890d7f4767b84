import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { eventually, RuntimeProcess } from "../harness.js";

// The commands the operator's Deployments run: every worker starts and serves its health port.
const CLI = resolve(import.meta.dirname, "../../../dist/runtime/cli.js");
const dataDir = mkdtempSync(join(tmpdir(), "tracardi-cli-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe("tracardi worker …", () => {
  it.each([
    ["collector", 8791],
    ["background", 8792],
    ["apm", 8793],
  ])("worker %s serves /healthz and /readyz and says which stages run", async (worker, port) => {
    const child = spawn(process.execPath, [CLI, "worker", worker], {
      env: {
        ...process.env,
        TRACARDI_DATA_DIR: dataDir,
        TRACARDI_HEALTH_PORT: String(port),
        TRACARDI_HOST: "127.0.0.1",
        // The merge loop runs (and is listed) only with an interval.
        TRACARDI_MERGE_INTERVAL_MS: "60000",
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
        collector: ["collector"],
        background: ["storage", "dispatch"],
        apm: ["merge"],
      }[worker];
      expect(output).toContain(`stages: ${expected?.join(", ")}`);
      const stages = await fetch(`http://127.0.0.1:${port}/stages`);
      expect(((await stages.json()) as { stages: string[] }).stages.sort()).toEqual(expected?.sort());
    } finally {
      const exited = new Promise((ok) => child.once("exit", ok));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    }
  });

  it("refuses `worker workflow` (flows run in the collector stage) with the reason and exit code 2", () => {
    const result = spawnSync(process.execPath, [CLI, "worker", "workflow"], { encoding: "utf8" });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/there is no workflow worker: flows run in the collector stage/);
  });

  it("refuses an unknown worker with usage and exit code 2", () => {
    const result = spawnSync(process.execPath, [CLI, "worker", "teleporter"], { encoding: "utf8" });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/unknown worker "teleporter"/);
  });
});

describe("tracardi standalone and api on the embedded queue", () => {
  const stages = async (url: string) =>
    (((await (await fetch(`${url}/stages`)).json()) as { stages: string[] }).stages ?? []).sort();
  const everyStage = ["collector", "dispatch", "merge", "storage"];

  it("standalone runs every stage in its one process", async () => {
    const rt = await RuntimeProcess.start();
    try {
      expect(await stages(rt.publicUrl)).toEqual(everyStage);
      expect(await stages(rt.privateUrl)).toEqual(everyStage);
    } finally {
      await rt.stop();
    }
  });

  it("the public API runs the whole pipeline on its own embedded queue when it processes inline, none otherwise; the private API none", async () => {
    const rt = RuntimeProcess.create();
    try {
      await rt.launch(["api", "--role", "public"], { TRACARDI_PROCESS_INLINE: "true" });
      expect(await stages(rt.publicUrl)).toEqual(everyStage);
      await rt.kill("SIGTERM");
      await rt.launch(["api", "--role", "public"], { TRACARDI_PROCESS_INLINE: "false" });
      expect(await stages(rt.publicUrl)).toEqual([]);
      await rt.kill("SIGTERM");
      await rt.launch(["api", "--role", "private"]);
      expect(await stages(rt.privateUrl)).toEqual([]);
    } finally {
      await rt.stop();
    }
  });
});
