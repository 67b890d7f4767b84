import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { RuntimeProcess } from "../harness.js";

let runtime: RuntimeProcess | undefined;

afterEach(async () => {
  await runtime?.stop();
  runtime = undefined;
});

describe("admin token", () => {
  it("a generated token is kept in the data dir, named by path in the log, never printed, and kept on restart", async () => {
    runtime = await RuntimeProcess.start({ TRACARDI_ADMIN_TOKEN: "" });
    const file = join(runtime.dataDir, "admin-token");
    const token = readFileSync(file, "utf8").trim();
    expect(token.length).toBeGreaterThanOrEqual(32);
    expect(runtime.logs).toContain(`admin token  in ${file}`);
    expect(runtime.logs).toContain(`TOKEN=$(cat ${file})`);
    expect(runtime.logs).not.toContain(token);
    expect((await runtime.admin("GET", "/api/v1/event-sources", undefined, token)).status).toBe(200);

    await runtime.kill("SIGTERM");
    await runtime.launch();
    expect(readFileSync(file, "utf8").trim()).toBe(token);
    expect(runtime.logs).not.toContain(token);
    expect((await runtime.admin("GET", "/api/v1/event-sources", undefined, token)).status).toBe(200);
  });

  it("a token from TRACARDI_ADMIN_TOKEN is not printed either", async () => {
    runtime = await RuntimeProcess.start();
    expect(runtime.logs).toContain("admin token  from TRACARDI_ADMIN_TOKEN");
    expect(runtime.logs).not.toContain(runtime.token);
  });
});
