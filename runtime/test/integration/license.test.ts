import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateLicenseKeyPair, issueLicense } from "../../license/index.js";
import { RuntimeProcess, sleep } from "../harness.js";

// An expired licence pauses processing instead of crash-looping; nothing accepted is lost.
const keys = generateLicenseKeyPair();
const DAY = 86_400_000;
const expired = issueLicense(
  { owner: "ACME", expires: new Date(Date.now() - DAY), issued: new Date(Date.now() - 30 * DAY) },
  keys.privateKey,
);
const valid = issueLicense({ owner: "ACME", expires: new Date(Date.now() + 365 * DAY) }, keys.privateKey);

let rt: RuntimeProcess;
beforeAll(async () => {
  rt = await RuntimeProcess.start({ TRACARDI_LICENSE: expired, TRACARDI_LICENSE_PUBLIC_KEY: keys.publicKey });
  await rt.createSource("web");
});
afterAll(async () => rt?.stop());

interface Status {
  license: { status: string; message: string; processing: string; owner?: string };
  queue: { backlog: Record<string, number> };
}

describe("licence expiry", () => {
  it("keeps accepting, pauses processing, says why, and processes everything once the licence is valid", async () => {
    const session = randomUUID();
    const accepted = await rt.track({
      source: { id: "web" },
      session: { id: session },
      events: [{ type: "page-view" }, { type: "purchase" }],
    });
    expect(accepted.status).toBe(200);

    const status = await rt.admin<Status>("GET", "/api/v1/status");
    expect(status.body.license).toMatchObject({ status: "Expired", processing: "paused", owner: "ACME" });
    expect(status.body.license.message).toMatch(/expired.*processing paused/);
    expect(JSON.stringify(status.body)).not.toContain(expired);
    await sleep(500);
    expect((await rt.admin<Status>("GET", "/api/v1/status")).body.queue.backlog.collector).toBe(1);
    expect((await rt.events(`session=${session}`)).body.total).toBe(0);

    await rt.kill("SIGTERM");
    await rt.launch(["standalone"], { TRACARDI_LICENSE: valid });
    await rt.drained();
    const events = await rt.events(`session=${session}&limit=10`);
    expect(events.body.items.map((e) => e.type).sort()).toEqual([
      "page-view",
      "profile-created",
      "purchase",
      "session-opened",
      "visit-started",
    ]);
    expect((await rt.admin<Status>("GET", "/api/v1/status")).body.license).toMatchObject({
      status: "Valid",
      processing: "running",
    });
  });
});
