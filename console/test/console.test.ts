import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, RuntimeProcess } from "../../runtime/test/harness.js";
import {
  clickButton,
  clickRow,
  fill,
  launchChromium,
  requireBuiltConsole,
  screenshot,
  textOf,
  waitForText,
} from "./browser.js";
import { WebhookReceiver } from "./webhook-receiver.js";

// The console in a real headless Chromium against the real runtime: what a new user does after
// `make start`. Each step builds on the one before; each takes the README's screenshot of its page.

let rt: RuntimeProcess;
let browser: Browser;
let page: Page;
const receiver = new WebhookReceiver();
const files = mkdtempSync(join(tmpdir(), "tracardi-console-"));
const session = { first: randomUUID(), second: randomUUID() };
let profileId = "";

beforeAll(async () => {
  requireBuiltConsole();
  await receiver.start();
  rt = await RuntimeProcess.start({
    // The webhook receiver listens on loopback.
    TRACARDI_HTTP_ALLOW_PRIVATE: "true",
    TRACARDI_MERGE_INTERVAL_MS: "0",
  });
  browser = await launchChromium();
  page = await browser.newPage();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await rt?.stop();
  await receiver.stop();
  rmSync(files, { recursive: true, force: true });
});

const stat = async (testId: string) => Number(await textOf(page, `[data-testid="${testId}"] .stat-value`));

describe("the console", () => {
  it("refuses a wrong token, logs in with the admin token and logs out", async () => {
    await page.goto(rt.guiUrl);
    await page.waitForSelector("input[name=token]");
    await screenshot(page, "login");
    await page.type("input[name=token]", "not-the-token");
    await page.click("button[type=submit]");
    await waitForText(page, "[role=alert]", "That token was refused");

    await fill(page, "input[name=token]", rt.token);
    await page.click("button[type=submit]");
    await page.waitForSelector('[data-testid="verdict"]');
    expect(await page.evaluate(() => sessionStorage.getItem("tracardi.admin-token"))).toBe(rt.token);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);

    await clickButton(page, "Log out");
    await page.waitForSelector("input[name=token]");
    expect(await page.evaluate(() => sessionStorage.getItem("tracardi.admin-token"))).toBeNull();
    await page.type("input[name=token]", rt.token);
    await page.click("button[type=submit]");
    await page.waitForSelector('[data-testid="verdict"]');
    await waitForText(page, '[data-testid="verdict"]', "Ready, waiting for events");
    expect(await stat("accepted-hour")).toBe(0);
  });

  it("creates an event source, disables and enables it, and shows the snippet to paste", async () => {
    await page.goto(`${rt.guiUrl}/sources`);
    await page.waitForSelector('[data-testid="create-source"]');
    await page.type('[data-testid="create-source"] input[name=name]', "Web shop");
    await page.type('[data-testid="create-source"] input[name=id]', "web-shop");
    await clickButton(page, "Create source");
    await waitForText(page, '[data-testid="sources-table"]', "web-shop");
    await page.waitForSelector('[data-testid="tracker-snippet"]');
    const snippet = await textOf(page, '[data-testid="tracker-snippet"]');
    expect(snippet).toContain("id: 'web-shop'");
    // The public API of this runtime, as the console's server announces it.
    expect(snippet).toContain(`:${new URL(rt.publicUrl).port}/tracker`);
    expect((await rt.admin("GET", "/api/v1/event-sources/web-shop")).status).toBe(200);
    const enabled = async () =>
      (await rt.admin<{ enabled: boolean }>("GET", "/api/v1/event-sources/web-shop")).body.enabled;
    await clickButton(page, "Disable", '[data-testid="sources-table"]');
    await waitForText(page, '[data-testid="sources-table"]', "disabled");
    expect(await enabled()).toBe(false);
    await clickButton(page, "Enable", '[data-testid="sources-table"]');
    await waitForText(page, '[data-testid="sources-table"] .badge', "enabled");
    expect(await enabled()).toBe(true);
    await screenshot(page, "sources");
  });

  it("shows an event sent to /track on the Events page, as formatted JSON", async () => {
    const sent = await rt.track({
      source: { id: "web-shop" },
      session: { id: session.first },
      events: [
        { type: "page-view", properties: { url: "https://shop.example/" } },
        { type: "product-view", properties: { sku: "TS-1" } },
      ],
    });
    expect(sent.status).toBe(200);
    profileId = sent.body.profile?.id ?? "";
    await page.goto(`${rt.guiUrl}/events`);
    await waitForText(page, '[data-testid="events-table"]', "product-view");
    await clickRow(page, '[data-testid="events-table"]', "product-view");
    await waitForText(page, '[data-testid="event-json"]', '"sku": "TS-1"');
    // The type filter.
    await page.type('[data-testid="event-filters"] input[name=type]', "page-view");
    await clickButton(page, "Search", '[data-testid="event-filters"]');
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('[data-testid="events-table"] tbody tr')].every((r) =>
          r.textContent?.includes("page-view"),
        ),
      { polling: 200 },
    );
    await page.goto(`${rt.guiUrl}/events`);
    await waitForText(page, '[data-testid="events-table"]', "product-view");
    await clickRow(page, '[data-testid="events-table"]', "product-view");
    await waitForText(page, '[data-testid="event-json"]', '"sku": "TS-1"');
    await screenshot(page, "events");
  });

  it("moves the counts on the Overview", async () => {
    await page.goto(rt.guiUrl);
    await page.waitForSelector('[data-testid="accepted-hour"]');
    await page.waitForFunction(
      () => {
        const value = (id: string) =>
          Number(document.querySelector(`[data-testid="${id}"] .stat-value`)?.textContent ?? "0");
        return value("accepted-hour") >= 2 && value("stored-hour") >= 2;
      },
      { polling: 250, timeout: 30_000 },
    );
    await waitForText(page, '[data-testid="verdict"]', "Data is flowing");
    expect(await stat("accepted-hour")).toBe(2);
    await screenshot(page, "overview");
  });

  it("opens the profile: its sessions and events as a timeline, and the ids merged into it", async () => {
    const second = await rt.track({
      source: { id: "web-shop" },
      session: { id: session.second },
      events: [{ type: "purchase", properties: { order: "A-100", total: 59.9 } }],
    });
    const otherId = second.body.profile?.id ?? "";
    expect(otherId).not.toBe(profileId);
    await rt.drained();
    expect((await rt.admin("POST", "/api/v1/merge", { profiles: [profileId, otherId] })).status).toBe(200);
    await eventually(async () => {
      const merged = await rt.profile(otherId);
      expect([profileId, otherId]).toContain(merged.body.id);
      expect((await rt.profile(profileId)).body.id).toBe(merged.body.id);
    }, 20_000);
    await rt.drained();
    const survivor = (await rt.profile(profileId)).body.id;
    const mergedAway = survivor === profileId ? otherId : profileId;

    await page.goto(`${rt.guiUrl}/events?type=purchase`);
    await waitForText(page, '[data-testid="events-table"]', "purchase");
    await page.click('[data-testid="events-table"] tbody tr a');
    await page.waitForSelector('[data-testid="timeline"]');
    await waitForText(page, '[data-testid="timeline"]', "purchase");
    await waitForText(page, '[data-testid="timeline"]', "product-view");
    await waitForText(page, '[data-testid="merge-history"]', mergedAway);
    expect(await textOf(page, '[data-testid="timeline"]')).toMatch(/Session .*Session /s);
    await screenshot(page, "profile");

    await page.goto(`${rt.guiUrl}/sessions`);
    await waitForText(page, "table", survivor.slice(0, 8));
    await clickRow(page, "table", survivor.slice(0, 8));
    await waitForText(page, "pre.json", session.second);
    await screenshot(page, "sessions");
  });

  it("imports a Tracardi flow export and draws it; a node it cannot import is marked", async () => {
    const V1 = "tracardi.process_engine.action.v1.";
    const node = (id: string, module: string, className: string, x: number, y = 120, init = {}) => ({
      id,
      type: "flowNode",
      position: { x, y },
      data: {
        name: className,
        spec: { module: `${V1}${module}`, className, inputs: ["payload"], outputs: ["payload"], init },
      },
    });
    const edge = (source: string, target: string, sourceHandle = "payload") => ({
      id: `${source}-${target}`,
      source,
      sourceHandle,
      target,
      targetHandle: "payload",
    });
    const flowGraph = {
      nodes: [
        node("start", "flow.start.start_action", "StartAction", 0),
        node("if", "if_action", "IfAction", 260, 120, { condition: 'event@type == "purchase"' }),
        node("buyer", "segmentation.add.plugin", "AddSegmentAction", 520, 40, { segment: "buyers" }),
        node("views", "increase_views_action", "IncreaseViewsAction", 520, 200),
        node("end", "end_action", "EndAction", 780),
      ],
      edges: [
        edge("start", "if"),
        edge("if", "buyer", "true"),
        edge("if", "views", "false"),
        edge("buyer", "end"),
        edge("views", "end"),
      ],
    };
    const good = join(files, "flow.json");
    writeFileSync(good, JSON.stringify({ name: "Tag buyers", flowGraph }));
    await page.goto(`${rt.guiUrl}/flows`);
    const upload = async (file: string) => {
      const input = await page.waitForSelector('[data-testid="flow-import"] input[type=file]');
      await input?.uploadFile(file);
      await page.waitForFunction(
        () =>
          (document.querySelector('[data-testid="flow-import"] textarea') as HTMLTextAreaElement).value !==
          "",
      );
      await clickButton(page, "Import", '[data-testid="flow-import"]');
    };
    await upload(good);
    await page.waitForSelector('[data-testid="flow-graph"] [data-testid="flow-node-views"]');
    await waitForText(page, '[data-testid="flow-graph"]', "increase-views");
    await waitForText(page, '[data-testid="flow-graph"]', "add-segment");
    expect(await page.$$eval('[data-testid="flow-graph"] .react-flow__node', (nodes) => nodes.length)).toBe(
      5,
    );
    expect(await page.$$eval('[data-testid="flow-graph"] .react-flow__edge', (edges) => edges.length)).toBe(
      5,
    );
    await screenshot(page, "flows");

    const bad = join(files, "bad-flow.json");
    flowGraph.nodes.push(node("mail", "connectors.mailchimp.send", "MailChimpSend", 780, -60));
    flowGraph.edges.push(edge("buyer", "mail"));
    writeFileSync(bad, JSON.stringify({ flowGraph }));
    await upload(bad);
    await page.waitForSelector('[data-testid="flow-graph"] .flow-node-error [data-testid="flow-node-mail"]');
    await waitForText(page, ".flow-node-error", "not supported");
    expect(await page.$$eval(".flow-node-error", (marked) => marked.length)).toBe(1);
    await screenshot(page, "flow-validation");
  });

  it("creates a flow and a rule that runs it", async () => {
    await page.goto(`${rt.guiUrl}/flows`);
    await page.waitForSelector('[data-testid="create-rule"]');
    // The editor starts with a working example flow.
    await clickButton(page, "Save flow");
    await page.waitForSelector('[data-testid="flow-graph"] [data-testid="flow-node-count"]');
    await waitForText(page, '[data-testid="flows-list"]', "Count purchases");
    const flows = await rt.admin<{ items: { id: string; name: string }[] }>("GET", "/api/v1/flows");
    const flow = flows.body.items.find((f) => f.name === "Count purchases");
    expect(flow).toBeDefined();

    const form = '[data-testid="create-rule"]';
    await page.type(`${form} input[name=name]`, "Purchases");
    await page.select(`${form} select[name=source]`, "web-shop");
    await page.type(`${form} input[name=type]`, "purchase");
    await page.select(`${form} select[name=flow]`, flow?.id ?? "");
    await clickButton(page, "Add rule", form);
    await waitForText(page, '[data-testid="rules"] table', "Count purchases");
    const rules = await rt.admin<{ items: { flow: { id: string }; event_type: { id: string } }[] }>(
      "GET",
      "/api/v1/rules",
    );
    expect(rules.body.items).toMatchObject([{ flow: { id: flow?.id }, event_type: { id: "purchase" } }]);

    const sent = await rt.track({
      source: { id: "web-shop" },
      session: { id: session.second },
      events: [{ type: "purchase", properties: { order: "A-100b" } }],
    });
    await eventually(async () => {
      const profile = (await rt.profile(sent.body.profile?.id ?? "")).body as unknown as {
        stats: { counters: Record<string, number> };
      };
      expect(profile.stats.counters.purchases).toBe(1);
    }, 20_000);
  });

  it("shows a broken destination's dead letter with its reason, and delivers it once fixed and replayed", async () => {
    await page.goto(`${rt.guiUrl}/destinations`);
    await page.waitForSelector('[data-testid="create-destination"]');
    const form = '[data-testid="create-destination"]';
    await page.type(`${form} input[name=name]`, "CRM");
    await page.type(`${form} input[name=url]`, `${receiver.url}/broken`);
    await page.type(`${form} input[name=eventType]`, "purchase");
    await clickButton(page, "Create destination", form);
    await waitForText(page, '[data-testid="destinations-table"]', "/broken");

    const sent = await rt.track({
      source: { id: "web-shop" },
      session: { id: session.second },
      events: [{ type: "purchase", properties: { order: "A-101" } }],
    });
    expect(sent.status).toBe(200);
    await waitForText(page, '[data-testid="dead-letters-table"]', "400");
    expect(receiver.deliveredTo("/broken")).toBe(1);
    await waitForText(page, '[data-testid="destinations-table"] td', "1");
    await screenshot(page, "destinations");

    await clickButton(page, "Edit webhook", '[data-testid="destinations-table"]');
    await fill(page, '[data-testid="edit-resource"] input[name=url]', `${receiver.url}/hook`);
    await clickButton(page, "Save", '[data-testid="edit-resource"]');
    await waitForText(page, '[data-testid="destinations-table"]', "/hook");
    await clickButton(page, "Replay", '[data-testid="dead-letters-table"]');
    await waitForText(page, '[data-testid="dead-letters"]', "No dead letter");
    await eventually(async () => expect(receiver.deliveredTo("/hook")).toBe(1), 20_000);
    const delivered = receiver.received.find((r) => r.path === "/hook")?.body as {
      data: { type: string; properties: { order: string } };
    };
    expect(delivered.data).toMatchObject({ type: "purchase", properties: { order: "A-101" } });
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid="destinations-table"] tbody tr td:nth-child(4)')?.textContent ===
        "1",
      { polling: 250, timeout: 20_000 },
    );
  });
});
