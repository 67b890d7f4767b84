import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, RuntimeProcess } from "../harness.js";

// The console's server: the standalone process serves it, `/api/` reaches the private API through
// it (one origin, the browser's token passed on), `/healthz` says whether the private API answers.
const CLI = resolve(import.meta.dirname, "../../../dist/runtime/cli.js");

interface Throughput {
  counted: string;
  minutes: { time: string; accepted: number; stored: number }[];
  deliveries: { destination: string; delivered: number; failed: number }[];
}

describe("the console in the standalone process", () => {
  let rt: RuntimeProcess;
  beforeAll(async () => {
    rt = await RuntimeProcess.start();
  });
  afterAll(async () => rt.stop());

  it("prints its URL in the banner", () => {
    expect(rt.logs).toContain(`console      http://localhost:${new URL(rt.guiUrl).port}`);
  });

  it("answers /healthz with the private API reachable and ready", async () => {
    const health = await fetch(`${rt.guiUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok", api: { reachable: true, ready: true } });
  });

  it("proxies /api/ to the private API, token and all", async () => {
    const withToken = await fetch(`${rt.guiUrl}/api/v1/status`, {
      headers: { authorization: `Bearer ${rt.token}` },
    });
    expect(withToken.status).toBe(200);
    expect(await withToken.json()).toHaveProperty("stages");
    expect((await fetch(`${rt.guiUrl}/api/v1/status`)).status).toBe(401);
    const created = await fetch(`${rt.guiUrl}/api/v1/event-sources`, {
      method: "POST",
      headers: { authorization: `Bearer ${rt.token}`, "content-type": "application/json" },
      body: JSON.stringify({ id: "via-gui", name: "Via the console", type: "rest" }),
    });
    expect(created.status).toBe(201);
    expect((await rt.admin("GET", "/api/v1/event-sources/via-gui")).status).toBe(200);
  });

  it("counts events accepted and stored this minute at /api/v1/throughput", async () => {
    await rt.createSource("site");
    const tracked = await rt.track({
      source: { id: "site" },
      session: { id: "s-throughput" },
      events: [{ type: "page-view" }, { type: "click" }],
    });
    expect(tracked.status).toBe(200);
    await rt.drained();
    const counts = await eventually(async () => {
      const answer = await rt.admin<Throughput>("GET", "/api/v1/throughput?minutes=5");
      expect(answer.status).toBe(200);
      const total = answer.body.minutes.reduce(
        (sum, m) => ({ accepted: sum.accepted + m.accepted, stored: sum.stored + m.stored }),
        { accepted: 0, stored: 0 },
      );
      // Two client events; storage also writes the system events of a new profile and session.
      expect(total.accepted).toBe(2);
      expect(total.stored).toBeGreaterThanOrEqual(2);
      return answer.body;
    });
    expect(counts.minutes).toHaveLength(5);
    expect(counts.counted).toBe("process");
    expect((await rt.admin("GET", "/api/v1/throughput?minutes=61")).status).toBe(422);
  });
});

describe("tracardi gui", () => {
  it("answers /healthz 503 naming the private API it cannot reach", async () => {
    const port = 18797;
    const child = spawn(process.execPath, [CLI, "gui"], {
      env: {
        ...process.env,
        TRACARDI_HOST: "127.0.0.1",
        TRACARDI_GUI_PORT: String(port),
        TRACARDI_GUI_API_URL: "http://127.0.0.1:9",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      const health = await eventually(() => fetch(`http://127.0.0.1:${port}/healthz`), 20_000);
      expect(health.status).toBe(503);
      const body = (await health.json()) as { reason: string; api: { reachable: boolean } };
      expect(body.api.reachable).toBe(false);
      expect(body.reason).toContain("private API: cannot reach http://127.0.0.1:9");
    } finally {
      const exited = new Promise((ok) => child.once("exit", ok));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    }
  });
});
