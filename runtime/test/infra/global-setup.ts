import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** File where ensureServer() records the servers this run started. */
    infraStartedFile: string;
  }
}

const ROOT = resolve(import.meta.dirname, "../../..");

/** Stops, after the run, every infra server that this run started (a server found running stays). */
export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(join(tmpdir(), "tracardi-infra-run-"));
  const file = join(dir, "started");
  project.provide("infraStartedFile", file);
  return () => {
    const names = existsSync(file)
      ? new Set(readFileSync(file, "utf8").split("\n").filter(Boolean))
      : new Set();
    for (const name of names) {
      try {
        execFileSync("bash", [join(ROOT, "infra", `${String(name)}.sh`), "stop"], { stdio: "inherit" });
      } catch (error) {
        process.stderr.write(`infra/${String(name)}.sh stop failed: ${(error as Error).message}\n`);
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
}
