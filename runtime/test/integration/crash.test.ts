import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectExactlyOnce, load, loadLoops } from "../crash-load.js";
import { RuntimeProcess, sleep } from "../harness.js";

// Durable acceptance: whatever got a 2xx survives SIGKILL at any moment, and is processed once.
let rt: RuntimeProcess;
const SOURCE = "crash-site";
const LOOPS = 16;

beforeAll(async () => {
  rt = await RuntimeProcess.start();
  await rt.createSource(SOURCE);
  // Intake only (an API without an inline collector), so a backlog builds up for the second crash.
  await rt.kill("SIGTERM");
  await rt.launch(["api", "--role", "public"], { TRACARDI_PROCESS_INLINE: "false" });
});
afterAll(async () => rt?.stop());

async function backlog(): Promise<number> {
  const status = await rt.admin<{ queue: { backlog: Record<string, number> } }>("GET", "/api/v1/status");
  return Object.values(status.body.queue.backlog).reduce((a, b) => a + b, 0);
}

describe("crash safety", () => {
  it("keeps every acknowledged event through SIGKILL during intake and during processing", async () => {
    const loops = loadLoops(LOOPS);
    let killed = false;
    const running = loops.map((loop) => load(rt, SOURCE, loop, () => killed));
    await sleep(1500);
    await rt.kill("SIGKILL");
    killed = true;
    await Promise.all(running);
    const acked = loops.reduce((n, l) => n + l.acked.size, 0);
    expect(acked).toBeGreaterThan(200);

    // Restart with processing and kill again while the backlog is being worked off.
    await rt.launch();
    const before = await backlog();
    expect(before).toBeGreaterThan(100);
    while ((await backlog()) > before * 0.8) await sleep(10);
    await rt.kill("SIGKILL");
    await rt.launch();
    await rt.drained(60_000);

    for (const loop of loops) {
      if (loop.profileId === null) continue;
      const stored = await rt.events(`profile=${loop.profileId}&limit=1000`);
      // Events are stored once: the listing has no two with one id, and no more than could exist.
      expect(stored.body.total).toBe(new Set(stored.body.items.map((e) => e.id)).size);
      expect(stored.body.total).toBeLessThanOrEqual(loop.acked.size + loop.unanswered.flat().length + 3);
      expectExactlyOnce(loop, stored.body, await rt.profile(loop.profileId));
    }
  });
});
