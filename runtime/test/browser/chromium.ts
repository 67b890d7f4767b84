import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import puppeteer, { type Browser } from "puppeteer-core";

const REPO = resolve(import.meta.dirname, "../../..");

/**
 * Debian's Chromium (installed by infra/chromium.sh on first use), headless, driven by puppeteer-core;
 * the tracker's and the console's browser suites share it. The viewport is the screenshots' size.
 */
export async function launchChromium(): Promise<Browser> {
  const out = execFileSync("bash", [resolve(REPO, "infra/chromium.sh"), "start"], { encoding: "utf8" });
  const { executablePath } = JSON.parse(out.trim().split("\n").pop() ?? "{}") as { executablePath: string };
  return puppeteer.launch({
    executablePath,
    headless: true,
    // Root in a container has no user namespaces for Chromium's sandbox.
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
    defaultViewport: { width: 1440, height: 900 },
  });
}
