import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";
import type { Browser, Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, freePort, RuntimeProcess } from "../../runtime/test/harness.js";
import { infra, type MariaDbInfo } from "../../runtime/test/infra/servers.js";
import { Topology } from "../../runtime/test/infra/topology.js";
import { launchChromium, requireBuiltConsole, screenshot, waitForText } from "./browser.js";

// Monitoring in the distributed topology: the private API on Pulsar, OpenSearch and a MariaDB of
// this test's own (port 33317, which it stops), the console as `tracardi gui` in front of it. A lost
// MySQL appears in the monitoring log and on the Overview, and clears when MySQL is back.
// Needs the monitoring log (`GET /api/v1/logs`); on a runtime without it the suite is skipped.

const CLI = resolve(import.meta.dirname, "../../dist/runtime/cli.js");
const OWN_MARIADB = { TRACARDI_MARIADB_PORT: "33317" };

async function hasMonitoringLog(): Promise<boolean> {
  const probe = await RuntimeProcess.start();
  try {
    return (await probe.admin("GET", "/api/v1/logs?limit=1")).status !== 404;
  } finally {
    await probe.stop();
  }
}

const available = await hasMonitoringLog();

describe.skipIf(!available)("monitoring a distributed runtime", () => {
  let mysql: MariaDbInfo;
  let topology: Topology;
  let api: RuntimeProcess;
  let gui: ChildProcess;
  let guiUrl = "";
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    requireBuiltConsole();
    mysql = JSON.parse((await infra("mariadb", "start", OWN_MARIADB)).trim().split("\n").at(-1) ?? "{}");
    topology = await Topology.start(
      "console",
      { TRACARDI_BACKEND_CHECK_MS: "1000", TRACARDI_MYSQL_TIMEOUT_MS: "1000" },
      mysql,
    );
    api = await topology.launch(["api", "--role", "private"]);
    const port = await freePort();
    guiUrl = `http://127.0.0.1:${port}`;
    gui = spawn(process.execPath, [CLI, "gui"], {
      env: {
        ...process.env,
        TRACARDI_HOST: "127.0.0.1",
        TRACARDI_GUI_PORT: String(port),
        TRACARDI_GUI_API_URL: api.privateUrl,
      },
      stdio: "ignore",
    });
    await eventually(async () => expect((await fetch(`${guiUrl}/healthz`)).status).toBe(200), 30_000);
    browser = await launchChromium();
    page = await browser.newPage();
    await page.goto(guiUrl);
    await page.type("input[name=token]", api.token);
    await page.click("button[type=submit]");
    await page.waitForSelector('[data-testid="verdict"]');
  }, 10 * 60_000);

  afterAll(async () => {
    await browser?.close();
    gui?.kill("SIGTERM");
    // MySQL back first: the topology drops its database there.
    await infra("mariadb", "start", OWN_MARIADB);
    await topology?.close();
    await infra("mariadb", "stop", OWN_MARIADB);
  }, 5 * 60_000);

  it("shows the lost MySQL in Monitoring and on the Overview, and its recovery when it is back", async () => {
    await infra("mariadb", "stop", OWN_MARIADB);
    await page.goto(`${guiUrl}/monitoring`);
    await waitForText(page, '[data-testid="logs-table"]', "MySQL", 60_000);
    const problem = await page.$$eval('[data-testid="logs-table"] tbody tr', (rows) =>
      rows.map((r) => r.textContent ?? "").find((t) => t.includes("MySQL")),
    );
    expect(problem).toMatch(/error|warning/);
    await page.goto(guiUrl);
    await waitForText(page, '[data-testid="verdict"]', "Data is not flowing", 30_000);
    await waitForText(page, '[data-testid="backends"]', "MySQL");
    await screenshot(page, "overview-backend-down");

    await infra("mariadb", "start", OWN_MARIADB);
    await page.goto(`${guiUrl}/monitoring`);
    await waitForText(page, '[data-testid="logs-table"]', "recovered", 60_000);
    await screenshot(page, "monitoring");
    await page.goto(guiUrl);
    await page.waitForFunction(
      () => !document.querySelector('[data-testid="verdict"]')?.textContent?.includes("not flowing"),
      { polling: 500, timeout: 60_000 },
    );
  });
});
