import { existsSync, mkdirSync } from "node:fs";
import { resolve } from "node:path";
import type { Page } from "puppeteer-core";

export { launchChromium } from "../../runtime/test/browser/chromium.js";

const ROOT = resolve(import.meta.dirname, "../..");
export const SCREENSHOTS = resolve(ROOT, "docs/screenshots");

/** The built console must exist: the suite tests what `tracardi gui` serves. */
export function requireBuiltConsole(): void {
  if (!existsSync(resolve(ROOT, "dist/console/index.html")))
    throw new Error("dist/console is not built: run npx vite build -c console/vite.config.ts");
}

/** Waits until the element matching `selector` holds `text` (the page polls, no fixed sleeps). */
export async function waitForText(
  page: Page,
  selector: string,
  text: string,
  timeout = 30_000,
): Promise<void> {
  await page.waitForFunction(
    (sel: string, expected: string) =>
      [...document.querySelectorAll(sel)].some((el) => (el.textContent ?? "").includes(expected)),
    { timeout, polling: 200 },
    selector,
    text,
  );
}

/** The text of the first element matching `selector`. */
export async function textOf(page: Page, selector: string): Promise<string> {
  return page.$eval(selector, (el) => el.textContent ?? "");
}

/** Replaces an input's value as a user would (select all, type). */
export async function fill(page: Page, selector: string, value: string): Promise<void> {
  await page.click(selector, { count: 3 });
  await page.keyboard.press("Backspace");
  await page.type(selector, value);
}

/** Clicks the first button whose text is `label` (inside `scope` when given). */
export async function clickButton(page: Page, label: string, scope = "body"): Promise<void> {
  const clicked = await page.evaluate(
    (root: string, wanted: string) => {
      const button = [...document.querySelectorAll(`${root} button`)].find(
        (b) => b.textContent?.trim() === wanted,
      );
      (button as HTMLButtonElement | undefined)?.click();
      return button !== undefined;
    },
    scope,
    label,
  );
  if (!clicked) throw new Error(`no button "${label}" in ${scope}`);
}

/** A screenshot for the README (docs/screenshots/<name>.png): the page at the top, nothing focused. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.evaluate(() => {
    window.scrollTo(0, 0);
    (document.activeElement as HTMLElement | null)?.blur();
  });
  await page.screenshot({ path: resolve(SCREENSHOTS, `${name}.png`) as `${string}.png`, fullPage: false });
}

/** Clicks the first row of the table in `table` that holds `text`. */
export async function clickRow(page: Page, table: string, text: string): Promise<void> {
  const clicked = await page.$$eval(
    `${table} tbody tr`,
    (rows, wanted) => {
      const row = rows.find((r) => r.textContent?.includes(wanted as string));
      (row as HTMLElement | undefined)?.click();
      return row !== undefined;
    },
    text,
  );
  if (!clicked) throw new Error(`no row with "${text}" in ${table}`);
}
