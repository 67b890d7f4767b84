import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { PulsarQueue } from "../../adapters/pulsar/queue.js";
import type { DeadLetter } from "../../ports/queue.js";
import { eventually, RuntimeProcess } from "../harness.js";
import { Topology } from "./topology.js";

// Issue 10, case 1 over Pulsar: poison published straight onto the collector topic of a running
// distributed runtime is dead-lettered alone, with the reason and its text; other events flow.
let topology: Topology;
const launch = (args: string[]) => topology.launch(args);

beforeAll(async () => {
  topology = await Topology.start("poison");
}, 20 * 60_000);

afterAll(async () => topology?.close());

it("dead-letters non-JSON and BOM-prefixed messages on the collector topic alone; other events are stored", async () => {
  const privateApi = await launch(["api", "--role", "private"]);
  const publicApi = await launch(["api", "--role", "public"]);
  await launch(["worker", "collector"]);
  await launch(["worker", "background"]);
  await privateApi.createSource("poison-site");
  const payload = (sessionId: string) => ({
    source: { id: "poison-site" },
    session: { id: sessionId },
    events: [{ type: "page-view" }],
  });

  const bom = `\ufeff${JSON.stringify(payload(randomUUID()))}`;
  const producer = new PulsarQueue({ webUrl: topology.pulsar.webUrl, naming: { prefix: topology.prefix } });
  try {
    await producer.publish("collector", [
      { key: "poison-1", body: null, json: "this is not JSON" },
      { key: "poison-2", body: null, json: bom },
    ]);
  } finally {
    await producer.close();
  }
  const answers = await Promise.all(Array.from({ length: 5 }, () => publicApi.track(payload(randomUUID()))));
  expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);

  const letters = await eventually(async () => {
    const listed = await privateApi.admin<{ items: DeadLetter[] }>(
      "GET",
      "/api/v1/dead-letters?topic=collector",
    );
    expect(listed.status).toBe(200);
    if (listed.body.items.length < 2) throw new Error(`${listed.body.items.length} dead letters`);
    return listed.body.items;
  }, 30_000);
  expect(letters.map((letter) => [letter.key, letter.body]).sort()).toEqual([
    ["poison-1", "this is not JSON"],
    ["poison-2", bom],
  ]);
  for (const letter of letters) expect(letter.reason).toMatch(/^payload is not JSON: /);

  await eventually(async () => {
    for (const answer of answers) {
      const views = await privateApi.events(`profile=${answer.body.profile?.id}&type=page-view`);
      expect(views.body.total).toBe(1);
    }
  }, 30_000);
  expect((await privateApi.admin("GET", "/api/v1/status")).status).toBe(200);
});
