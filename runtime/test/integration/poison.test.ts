import { randomUUID } from "node:crypto";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, expect, it } from "vitest";
import { queueTable } from "../../adapters/embedded/queue-schema.js";
import type { DeadLetter } from "../../ports/queue.js";
import { eventually, RuntimeProcess } from "../harness.js";

// Issue 10, case 1: poison already in the embedded queue (written before the intake refused it, or by
// an older version) is dead-lettered alone with the reason; the pipeline and the private API go on.
const running: RuntimeProcess[] = [];
afterAll(async () => Promise.all(running.map((r) => r.stop())));

it("dead-letters non-JSON and BOM-prefixed rows found in the queue after a restart, and keeps processing", async () => {
  const runtime = await RuntimeProcess.start();
  running.push(runtime);
  await runtime.createSource("poison-site");
  const payload = (sessionId: string) => ({
    source: { id: "poison-site" },
    session: { id: sessionId },
    events: [{ type: "page-view" }],
  });
  expect((await runtime.track(payload(randomUUID()))).status).toBe(200);
  await runtime.drained();
  await runtime.kill("SIGTERM");

  const bom = `\ufeff${JSON.stringify(payload(randomUUID()))}`;
  const db = new Database(join(runtime.dataDir, "tracardi.sqlite"));
  try {
    const insert = db.prepare(`INSERT INTO ${queueTable("collector")} (key, body) VALUES (?, ?)`);
    db.transaction(() => {
      insert.run("poison-1", "this is not JSON");
      insert.run("poison-2", bom);
      db.prepare("UPDATE queue_counts SET n = n + 2 WHERE topic = 'collector'").run();
    })();
  } finally {
    db.close();
  }

  await runtime.launch();
  const letters = await eventually(async () => {
    const listed = await runtime.admin<{ items: DeadLetter[] }>(
      "GET",
      "/api/v1/dead-letters?topic=collector",
    );
    expect(listed.status).toBe(200);
    if (listed.body.items.length < 2) throw new Error(`${listed.body.items.length} dead letters`);
    return listed.body.items;
  }, 20_000);
  expect(letters.map((letter) => [letter.key, letter.body]).sort()).toEqual([
    ["poison-1", "this is not JSON"],
    ["poison-2", bom],
  ]);
  for (const letter of letters) expect(letter.reason).toMatch(/^payload is not JSON: /);

  // Later events flow, and the private API answers.
  const later = await runtime.track(payload(randomUUID()));
  expect(later.status).toBe(200);
  await runtime.drained();
  const profileId = later.body.profile?.id as string;
  expect((await runtime.events(`profile=${profileId}&type=page-view`)).body.total).toBe(1);
  expect((await runtime.admin("GET", "/api/v1/status")).status).toBe(200);
  expect((await runtime.admin("GET", "/api/v1/dead-letters")).status).toBe(200);
});
