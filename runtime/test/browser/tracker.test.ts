import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import type { Browser, BrowserContext, Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { BROWSER_UA, eventually, RuntimeProcess, type StoredEvent } from "../harness.js";
import { launchChromium } from "./chromium.js";

/*
 * Tracardi's loader snippet and tracker on a page served from another origin, in headless Chromium,
 * against the real runtime: one visitor keeps one profile across page loads and sessions.
 *
 * Tracardi's own files (liliput.min.js from Tracardi/tracardi-api app/tracker/, and its loader
 * snippet, the first script line of app/tracker/index.html) are not part of this repository: put them
 * in TRACARDI_JS_DIR (default ~/.cache/tracardi-js) as liliput.min.js and loader.min.js to run the
 * tests that use them.
 */

const REPO = resolve(import.meta.dirname, "../../..");
const TRACARDI_JS = process.env.TRACARDI_JS_DIR ?? join(homedir(), ".cache/tracardi-js");
const haveTracardiJs =
  existsSync(join(TRACARDI_JS, "liliput.min.js")) && existsSync(join(TRACARDI_JS, "loader.min.js"));
const SOURCE = "web-shop";

let rt: RuntimeProcess;
let browser: Browser;
let site: Server;
let siteUrl = "";
/** The page each variant serves, by path: `/<variant>/<page>.html`. */
const pages = new Map<string, string>();

beforeAll(async () => {
  execFileSync("npm", ["run", "-s", "build:tracker"], { cwd: REPO, stdio: "inherit" });
  rt = await RuntimeProcess.start();
  await rt.createSource(SOURCE);
  // A flow answering every page-view, so the page sees the response's `response`.
  const flow = await rt.admin<{ id: string }>("POST", "/api/v1/flows", {
    name: "greet",
    nodes: [
      { id: "start", type: "start" },
      { id: "greet", type: "create-response", config: { key: "greeting", value: "hello" } },
    ],
    edges: [{ source: "start", sourcePort: "payload", target: "greet", targetPort: "payload" }],
  });
  expect(flow.status).toBe(201);
  const rule = await rt.admin("POST", "/api/v1/rules", {
    name: "greet",
    source: { id: SOURCE },
    event_type: { id: "page-view" },
    flow: { id: flow.body.id },
    enabled: true,
  });
  expect(rule.status).toBe(201);
  site = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0] ?? "/";
    if (path === "/tracardi/liliput.min.js") {
      response.writeHead(200, { "content-type": "text/javascript" });
      return response.end(readFileSync(join(TRACARDI_JS, "liliput.min.js")));
    }
    const html = pages.get(path);
    response.writeHead(html ? 200 : 404, { "content-type": "text/html; charset=utf-8" });
    response.end(html ?? "not found");
  });
  await new Promise<void>((ok) => site.listen(0, "127.0.0.1", ok));
  const address = site.address();
  siteUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((ok) => site?.close(ok));
  await rt?.stop();
});

interface Variant {
  name: string;
  /** The loader snippet's code, pasted into the page. */
  loader: () => Promise<string>;
  /** `options.tracker.url.script`: where the loader loads liliput.min.js from. */
  script: () => string;
}

const ourLoader = async () => {
  const answer = await fetch(`${rt.publicUrl}/tracker/loader.min.js`);
  expect(answer.status).toBe(200);
  return answer.text();
};
const tracardiLoader = async () => readFileSync(join(TRACARDI_JS, "loader.min.js"), "utf8");

/** A page as a site owner writes it: the loader snippet, options, then tracks. */
function pageHtml(loader: string, script: string, title: string, tracks: string): string {
  const options = { tracker: { url: { script, api: rt.publicUrl }, source: { id: SOURCE } } };
  return `<!doctype html><html><head><title>${title}</title><script>
${loader}
const options = ${JSON.stringify(options)};
window.onTracardiReady.bind(({context}) => { window.__ready = context; });
</script><script>${tracks}</script></head><body><h1>${title}</h1></body></html>`;
}

async function visit(
  page: Page,
  url: string,
): Promise<{ profile: { id: string }; response: Record<string, unknown> }> {
  await page.goto(url, { waitUntil: "load" });
  await page.waitForFunction("window.__ready !== undefined", { timeout: 15_000 });
  return page.evaluate("window.__ready") as Promise<{
    profile: { id: string };
    response: Record<string, unknown>;
  }>;
}

/** The ids the page keeps; localStorage values are JSON, as Tracardi's tracker keeps them. */
async function storedIds(page: Page) {
  // Evaluated in the page (the test itself has no DOM types).
  return page.evaluate(`({
    profile: JSON.parse(localStorage.getItem("tracardi-profile-id") ?? "null"),
    session: document.cookie.match(/(?:^|; )tracardi-session-id=([^;]*)/)?.[1] ?? null,
  })`) as Promise<{ profile: string | null; session: string | null }>;
}

async function eventsOf(profileId: string, count: number): Promise<StoredEvent[]> {
  return eventually(async () => {
    const events = (await rt.events(`profile=${profileId}&limit=100`)).body.items.filter(
      (e) => !["profile-created", "session-opened", "visit-started"].includes(e.type),
    );
    if (events.length < count) throw new Error(`${events.length} of ${count} events stored`);
    return events;
  }, 20_000);
}

/**
 * Page a tracks a page view and an order (one batch); page b a page view, an add-to-cart sent at once
 * (`fire`) and a beacon. Visits a, b, then a again after the session cookie expired.
 */
async function oneVisitorAcrossPagesAndSessions(variant: Variant, context: BrowserContext): Promise<string> {
  const loader = await variant.loader();
  const a = `/${variant.name}/a.html`;
  const b = `/${variant.name}/b.html`;
  pages.set(
    a,
    pageHtml(
      loader,
      variant.script(),
      "Shop",
      `
    window.tracker.track("page-view", {"page": "a"});
    window.tracker.track("purchase-order", {"product": "Sun glasses", "price": 13.45});`,
    ),
  );
  pages.set(
    b,
    pageHtml(
      loader,
      variant.script(),
      "Basket",
      `
    window.tracker.track("page-view", {"page": "b"});
    window.tracker.track("add-to-cart", {"sku": "G-1"}, {"fire": true});
    window.tracker.track("beacon-hit", {"via": "beacon"}, {"asBeacon": true});`,
    ),
  );

  {
    const page = await context.newPage();
    // Headless Chromium says so in its user agent, and the runtime refuses bots.
    await page.setUserAgent({ userAgent: BROWSER_UA });
    const console: string[] = [];
    page.on("console", (message) => console.push(`${message.type()}: ${message.text()}`));
    page.on("requestfailed", (request) =>
      console.push(`failed: ${request.url()} ${request.failure()?.errorText}`),
    );
    onTestFailed(() => {
      process.stderr.write(`browser console (${variant.name}):\n${console.join("\n")}\n`);
    });
    const first = await visit(page, `${siteUrl}${a}`);
    const profileId = first.profile.id;
    expect(profileId).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.response).toEqual({ greeting: "hello" });
    const afterA = await storedIds(page);
    expect(afterA.profile).toBe(profileId);
    expect(afterA.session).toMatch(/^[0-9a-f-]{36}$/);

    const second = await visit(page, `${siteUrl}${b}`);
    expect(second.profile.id).toBe(profileId);
    expect((await storedIds(page)).session).toBe(afterA.session);

    // 30 minutes without activity: the session cookie is gone, the profile stays.
    await page.evaluate(
      `document.cookie = "tracardi-session-id=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/"`,
    );
    const third = await visit(page, `${siteUrl}${a}`);
    expect(third.profile.id).toBe(profileId);
    const afterNewSession = await storedIds(page);
    expect(afterNewSession.session).not.toBe(afterA.session);

    const events = await eventsOf(profileId, 7);
    const types = events.map((e) => e.type).sort();
    expect(types).toEqual([
      "add-to-cart",
      "beacon-hit",
      "page-view",
      "page-view",
      "page-view",
      "purchase-order",
      "purchase-order",
    ]);
    expect(new Set(events.map((e) => e.profile?.id))).toEqual(new Set([profileId]));
    expect(new Set(events.map((e) => e.session?.id))).toEqual(
      new Set([afterA.session, afterNewSession.session]),
    );
    expect(events.find((e) => e.type === "purchase-order")?.properties).toEqual({
      product: "Sun glasses",
      price: 13.45,
    });
    await page.close();
    return profileId;
  }
}

/** A new visitor: a browser context with no cookies and an empty localStorage. */
async function withVisitor(run: (context: BrowserContext) => Promise<void>): Promise<void> {
  const context = await browser.createBrowserContext();
  try {
    await run(context);
  } finally {
    await context.close();
  }
}

const ours: Variant = { name: "ours", loader: ourLoader, script: () => `${rt.publicUrl}/tracker` };

describe("the tracker script at /tracker", () => {
  it("is JavaScript, cacheable, and revalidates by its ETag", async () => {
    const first = await fetch(`${rt.publicUrl}/tracker/liliput.min.js`);
    expect(first.status).toBe(200);
    expect(first.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(first.headers.get("cache-control")).toBe("public, max-age=3600");
    expect(first.headers.get("access-control-allow-origin")).toBe("*");
    const etag = first.headers.get("etag");
    expect(etag).toMatch(/^"[\w-]+"$/);
    const body = await first.text();
    expect(body).toContain("tracardi-session-id");
    const again = await fetch(`${rt.publicUrl}/tracker/liliput.min.js`, {
      headers: { "if-none-match": etag ?? "" },
    });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
    const missing = await fetch(`${rt.publicUrl}/tracker/other.js`);
    expect(missing.status).toBe(404);
  });

  it("keeps one profile across page loads and sessions, with the loader served beside it", async () => {
    await withVisitor(async (context) => {
      await oneVisitorAcrossPagesAndSessions(ours, context);
    });
  });

  it("sends the page's events in one request, batches later ones, and beacons what is left when the page is left", async () => {
    pages.set(
      "/batching/a.html",
      pageHtml(
        await ourLoader(),
        ours.script(),
        "Batching",
        `
        window.tracker.track("page-view", {"page": "batching"});
        window.tracker.track("product-viewed", {"sku": "B-1"});`,
      ),
    );
    await withVisitor(async (context) => {
      const page = await context.newPage();
      await page.setUserAgent({ userAgent: BROWSER_UA });
      const sent: { types: string[]; beacon: boolean }[] = [];
      page.on("request", (request) => {
        if (request.method() !== "POST" || !request.url().endsWith("/track")) return;
        const body = JSON.parse(request.postData() ?? "{}") as { events: { type: string }[] };
        sent.push({ types: body.events.map((e) => e.type), beacon: request.resourceType() === "ping" });
      });
      const ready = await visit(page, `${siteUrl}/batching/a.html`);
      expect(sent).toEqual([{ types: ["page-view", "product-viewed"], beacon: false }]);
      await page.evaluate(`
        window.tracker.track("scroll", {"depth": 50});
        window.tracker.track("scroll", {"depth": 100});`);
      await eventually(async () => expect(sent).toHaveLength(2));
      expect(sent[1]).toEqual({ types: ["scroll", "scroll"], beacon: false });
      // Tracked and left at once: the batch would wait, so it goes out as a beacon when the page goes.
      await page.evaluate(`window.tracker.track("leaving", {})`);
      await page.goto("about:blank");
      const stored = await eventsOf(ready.profile.id, 5);
      expect(stored.map((e) => e.type).sort()).toEqual([
        "leaving",
        "page-view",
        "product-viewed",
        "scroll",
        "scroll",
      ]);
    });
  });

  it("adds the response's ux to the page and gives helpers.track's answer to the page", async () => {
    pages.set(
      "/ux/a.html",
      pageHtml(
        await ourLoader(),
        ours.script(),
        "UX",
        `
        window.tracker.track("page-view", {"page": "ux"});
        window.onTracardiReady.bind(async ({helpers}) => {
          const answer = await helpers.track("page-view", {"page": "helper"});
          window.__helper = {status: answer.status, response: answer.data.response};
        });`,
      ),
    );
    await withVisitor(async (context) => {
      const page = await context.newPage();
      await page.setUserAgent({ userAgent: BROWSER_UA });
      // The runtime's own answer, with a UX item added the way Tracardi's UIX plugins add theirs.
      await page.setRequestInterception(true);
      page.on("request", async (request) => {
        if (request.method() !== "POST" || !request.url().endsWith("/track")) return request.continue();
        const answer = await fetch(request.url(), {
          method: "POST",
          headers: { "content-type": "application/json", "user-agent": BROWSER_UA },
          body: request.postData() ?? "",
        });
        const body = (await answer.json()) as Record<string, unknown>;
        const ux = [{ tag: "div", props: { id: "tr-ux", "data-kind": "banner" }, content: "Welcome back" }];
        await request.respond({
          status: answer.status,
          headers: { "access-control-allow-origin": "*" },
          contentType: "application/json",
          body: JSON.stringify({ ...body, ux }),
        });
      });
      await visit(page, `${siteUrl}/ux/a.html`);
      await page.waitForSelector("#tr-ux");
      const banner = await page.$eval("#tr-ux", (e) => ({
        text: e.textContent,
        kind: e.getAttribute("data-kind"),
      }));
      expect(banner).toEqual({ text: "Welcome back", kind: "banner" });
      await page.waitForFunction("window.__helper !== undefined");
      expect(await page.evaluate("window.__helper")).toEqual({
        status: 200,
        response: { greeting: "hello" },
      });
    });
  });

  it.skipIf(!haveTracardiJs)("works with Tracardi's own loader snippet", async () => {
    const variant = {
      name: "tracardi-loader",
      loader: tracardiLoader,
      script: () => `${rt.publicUrl}/tracker`,
    };
    await withVisitor(async (context) => {
      await oneVisitorAcrossPagesAndSessions(variant, context);
    });
  });

  it.skipIf(!haveTracardiJs)(
    "runs Tracardi's own tracker, self-hosted by the site, and keeps its visitors when the site switches to /tracker",
    async () => {
      const tracardi = { name: "tracardi", loader: tracardiLoader, script: () => `${siteUrl}/tracardi` };
      await withVisitor(async (context) => {
        const profileId = await oneVisitorAcrossPagesAndSessions(tracardi, context);
        pages.set(
          "/switched/a.html",
          pageHtml(await ourLoader(), ours.script(), "Switched", `window.tracker.track("page-view", {});`),
        );
        const page = await context.newPage();
        await page.setUserAgent({ userAgent: BROWSER_UA });
        expect((await visit(page, `${siteUrl}/switched/a.html`)).profile.id).toBe(profileId);
      });
    },
  );
});
