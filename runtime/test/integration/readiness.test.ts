import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateLicenseKeyPair, issueLicense } from "../../license/index.js";
import { eventually, RuntimeProcess } from "../harness.js";

// Readiness follows the data: a stage that cannot settle its oldest message makes /readyz 503 and
// /api/v1/status says which stage, how old and why; once it can go on, the process is ready again.
// The stall is real: a destination at the head of the dispatch topic answers 503 on every attempt.

let rt: RuntimeProcess;
let receiver: Server;
let receiverUrl = "";
let destinationDown = true;
const delivered: string[] = [];

interface Readiness {
  status: string;
  reason?: string;
  problems?: string[];
}

interface Status {
  stages: string[];
  processing: { thread?: { state: string; crashesInWindow: number } };
  stageProgress: { stage: string; oldestWaitingSeconds: number | null; stalled: boolean }[];
  stalls: { stage: string; topic: string; oldestWaitingSeconds: number; lastError: string | null }[];
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      if (destinationDown) return res.writeHead(503).end();
      delivered.push(req.url ?? "");
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((ok) => receiver.listen(0, "127.0.0.1", ok));
  const address = receiver.address();
  receiverUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  rt = await RuntimeProcess.start({
    TRACARDI_STALL_SECONDS: "2",
    TRACARDI_BACKEND_CHECK_MS: "300",
    TRACARDI_DISPATCH_RETRY_BASE_MS: "200",
    TRACARDI_DISPATCH_RETRY_MAX_MS: "400",
    TRACARDI_MAX_DELIVERY_ATTEMPTS: "10000",
    // The destination is a receiver on loopback.
    TRACARDI_HTTP_ALLOW_PRIVATE: "true",
  });
  await rt.createSource("shop");
  const resource = await rt.admin<{ id: string }>("POST", "/api/v1/resources", {
    name: "partner",
    credentials: { url: `${receiverUrl}/orders` },
  });
  expect(resource.status).toBe(201);
  const destination = await rt.admin("POST", "/api/v1/destinations", {
    name: "partner",
    resource: { id: resource.body.id },
    source: { id: "shop" },
    mapping: { type: "event@type" },
    destination: { init: { max_attempts: 100 } },
  });
  expect(destination.status).toBe(201);
});
afterAll(async () => {
  await rt?.stop();
  receiver?.close();
});

const readyz = () =>
  fetch(`${rt.publicUrl}/readyz`).then(async (r) => ({
    status: r.status,
    body: (await r.json()) as Readiness,
  }));

describe("readiness follows the data", () => {
  it("is 200 while every stage keeps up", async () => {
    const ready = await readyz();
    expect(ready.status).toBe(200);
    const status = await rt.admin<Status>("GET", "/api/v1/status");
    expect(status.body.stalls).toEqual([]);
    expect(status.body.processing.thread).toMatchObject({ state: "running", crashesInWindow: 0 });
  });

  it("answers 503 naming the stalled stage, its age and last error, and is ready again once it settles", async () => {
    const accepted = await rt.track({
      source: { id: "shop" },
      session: { id: randomUUID() },
      events: [{ type: "purchase" }],
    });
    expect(accepted.status).toBe(200);

    const stalled = await eventually(async () => {
      const answer = await readyz();
      expect(answer.status).toBe(503);
      return answer.body;
    }, 20_000);
    expect(stalled.status).toBe("not-ready");
    expect(stalled.reason).toMatch(
      /^stage dispatch is stalled: oldest waiting message \d+ s old, nothing settled for \d+ s; last error: http:\/\/127\.0\.0\.1:\d+\/orders answered 503$/,
    );
    const age = Number(/oldest waiting message (\d+) s old/.exec(stalled.reason ?? "")?.[1]);
    expect(age).toBeGreaterThanOrEqual(2);

    const status = await rt.admin<Status>("GET", "/api/v1/status");
    expect(status.status).toBe(200);
    expect(status.body.stalls).toHaveLength(1);
    const [stall] = status.body.stalls;
    expect(stall).toMatchObject({ stage: "dispatch", topic: "dispatch" });
    expect(stall?.oldestWaitingSeconds).toBeGreaterThanOrEqual(2);
    expect(stall?.lastError).toMatch(/\/orders answered 503$/);
    expect(status.body.stageProgress.find((s) => s.stage === "dispatch")).toMatchObject({ stalled: true });
    expect(status.body.stageProgress.find((s) => s.stage === "collector")).toMatchObject({
      stalled: false,
      oldestWaitingSeconds: null,
    });

    const metrics = await (await fetch(`${rt.publicUrl}/metrics`)).text();
    expect(metrics).toMatch(/^tracardi_stage_stalled\{stage="dispatch"\} 1$/m);
    expect(metrics).toMatch(/^tracardi_stage_stalled\{stage="collector"\} 0$/m);
    await eventually(async () =>
      expect(rt.logs).toContain(
        "pipeline problem: stage dispatch is stalled: messages wait longer than 2 s and none is settled",
      ),
    );

    destinationDown = false;
    await eventually(async () => expect((await readyz()).status).toBe(200), 20_000);
    expect(delivered).toEqual(["/orders"]);
    expect((await rt.admin<Status>("GET", "/api/v1/status")).body.stalls).toEqual([]);
    await eventually(async () =>
      expect(rt.logs).toContain(
        "pipeline recovered: stage dispatch is stalled: messages wait longer than 2 s and none is settled",
      ),
    );
    // The monitoring log has both, as stage events (a stall is the pipeline's, not a backend's).
    const stallLine = "stage dispatch is stalled: messages wait longer than 2 s and none is settled";
    const logged = await eventually(async () => {
      const page = await rt.admin<{ result: { level: string; message: string }[] }>(
        "GET",
        "/api/v1/logs?kind=stage",
      );
      const messages = page.body.result.map((e) => `${e.level} ${e.message}`);
      expect(messages).toContain(`info recovered: ${stallLine}`);
      return messages;
    });
    expect(logged).toContain(`error ${stallLine}`);
  });
});

describe("readiness of a paused stage", () => {
  it("names the collector, how long its oldest message waits, and that the licence paused it", async () => {
    const keys = generateLicenseKeyPair();
    const day = 86_400_000;
    const expired = issueLicense(
      { owner: "ACME", expires: new Date(Date.now() - day), issued: new Date(Date.now() - 30 * day) },
      keys.privateKey,
    );
    const paused = await RuntimeProcess.start({
      TRACARDI_STALL_SECONDS: "2",
      TRACARDI_LICENSE: expired,
      TRACARDI_LICENSE_PUBLIC_KEY: keys.publicKey,
    });
    try {
      await paused.createSource("web");
      expect((await fetch(`${paused.publicUrl}/readyz`)).status).toBe(200);
      const accepted = await paused.track({
        source: { id: "web" },
        session: { id: randomUUID() },
        events: [{ type: "page-view" }],
      });
      expect(accepted.status).toBe(200);
      const reason = await eventually(async () => {
        const answer = await fetch(`${paused.publicUrl}/readyz`);
        expect(answer.status).toBe(503);
        return ((await answer.json()) as Readiness).reason;
      }, 20_000);
      expect(reason).toMatch(
        /^stage collector is stalled: oldest waiting message \d+ s old, nothing settled for \d+ s; processing paused: .*expired/,
      );
      const status = await paused.admin<Status>("GET", "/api/v1/status");
      expect(status.body.stalls.map((s) => s.stage)).toEqual(["collector"]);
    } finally {
      await paused.stop();
    }
  });
});
