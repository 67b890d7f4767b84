import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, expect, it } from "vitest";
import { eventually, RuntimeProcess } from "../harness.js";

// Issue 11 item 4: 500 real dead letters (a webhook that refuses with 400 is a permanent failure),
// listed in pages with a true total, filtered, purged and replayed over the private API.
interface Letter {
  id: string;
  topic: string;
  reason: string;
  body: { destinationId: string };
}
interface Page {
  total: number;
  limit: number;
  offset: number;
  items: Letter[];
}

const LETTERS = 500;
let rt: RuntimeProcess;
let receiver: Server;
let receiverUrl = "";
let refusing = true;
let delivered = 0;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      if (!refusing) delivered++;
      res.writeHead(refusing ? 400 : 200).end();
    });
  });
  await new Promise<void>((ok) => receiver.listen(0, "127.0.0.1", ok));
  const address = receiver.address();
  receiverUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/orders`;
  // The receiver listens on loopback, which webhooks may only reach with TRACARDI_HTTP_ALLOW_PRIVATE.
  rt = await RuntimeProcess.start({ TRACARDI_HTTP_ALLOW_PRIVATE: "true" });
  await rt.createSource("shop");
  const resource = await rt.admin<{ id: string }>("POST", "/api/v1/resources", {
    name: "receiver",
    credentials: { url: receiverUrl },
  });
  expect(resource.status).toBe(201);
  const destination = await rt.admin("POST", "/api/v1/destinations", {
    name: "orders",
    resource: { id: resource.body.id },
    source: { id: "shop" },
    event_type: { id: "order" },
    mapping: { order: "event@properties.order" },
  });
  expect(destination.status).toBe(201);
}, 60_000);
afterAll(async () => {
  await rt?.stop();
  receiver?.close();
});

const deadLetterCount = async () =>
  (await rt.admin<{ queue: { deadLetters: number } }>("GET", "/api/v1/status")).body.queue.deadLetters;

it("lists 500 dead letters in pages with a true total, filters, purges and replays them", async () => {
  // One profile per order, so the deliveries do not wait behind each other's failures.
  for (let start = 0; start < LETTERS; start += 25) {
    const sent = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        rt.track({
          source: { id: "shop" },
          session: { id: randomUUID() },
          events: [{ type: "order", properties: { order: start + i } }],
        }),
      ),
    );
    expect(sent.every((res) => res.status === 200)).toBe(true);
  }
  await eventually(async () => {
    const n = await deadLetterCount();
    if (n !== LETTERS) throw new Error(`${n} dead letters`);
  }, 90_000);

  // The request: a limit past the largest page is refused, naming the parameter.
  const tooMany = await rt.admin<{ detail: { loc: string[] }[] }>(
    "GET",
    "/api/v1/dead-letters?topic=dispatch&limit=10000",
  );
  expect(tooMany.status).toBe(422);
  expect(tooMany.body.detail[0]?.loc).toEqual(["query", "limit"]);
  const all = await rt.admin<Page>("GET", "/api/v1/dead-letters?topic=dispatch&limit=1000");
  expect(all.status).toBe(200);
  expect(all.body).toMatchObject({ total: LETTERS, limit: 1000, offset: 0 });
  expect(all.body.items).toHaveLength(LETTERS);
  const byDefault = await rt.admin<Page>("GET", "/api/v1/dead-letters");
  expect(byDefault.body).toMatchObject({ total: LETTERS, limit: 100 });
  expect(byDefault.body.items).toHaveLength(100);

  // Paging with offset sees each letter once, newest first.
  const seen: string[] = [];
  for (let offset = 0; offset < LETTERS; offset += 150) {
    const page = await rt.admin<Page>(
      "GET",
      `/api/v1/dead-letters?topic=dispatch&limit=150&offset=${offset}`,
    );
    expect(page.body.total).toBe(LETTERS);
    seen.push(...page.body.items.map((letter) => letter.id));
  }
  expect(seen).toHaveLength(LETTERS);
  expect(new Set(seen).size).toBe(LETTERS);
  expect(seen).toEqual(all.body.items.map((letter) => letter.id));

  // Filters: reason is a case-insensitive substring.
  const refused = await rt.admin<Page>("GET", "/api/v1/dead-letters?reason=ANSWERED%20400&limit=5");
  expect(refused.body.total).toBe(LETTERS);
  expect(refused.body.items.every((letter) => /answered 400/.test(letter.reason))).toBe(true);
  expect((await rt.admin<Page>("GET", "/api/v1/dead-letters?reason=timed%20out")).body.total).toBe(0);
  expect((await rt.admin<Page>("GET", "/api/v1/dead-letters?topic=storage")).body.total).toBe(0);
  expect((await rt.admin("GET", "/api/v1/dead-letters?topic=nowhere")).status).toBe(422);

  // Purge one; it is gone for good.
  const purged = seen[0] as string;
  expect((await rt.admin("DELETE", `/api/v1/dead-letters/${purged}`)).status).toBe(204);
  expect((await rt.admin("DELETE", `/api/v1/dead-letters/${purged}`)).status).toBe(404);
  expect((await rt.admin("POST", `/api/v1/dead-letters/${purged}/replay`)).status).toBe(404);
  expect(await deadLetterCount()).toBe(LETTERS - 1);

  // Bad replay bodies are refused with the field named.
  const badTopic = await rt.admin<{ detail: { loc: string[] }[] }>("POST", "/api/v1/dead-letters/replay", {
    topic: "nowhere",
  });
  expect(badTopic.status).toBe(422);
  expect(badTopic.body.detail[0]?.loc).toEqual(["body", "topic"]);
  expect((await rt.admin("POST", "/api/v1/dead-letters/replay", { topics: ["dispatch"] })).status).toBe(422);

  // Replaying the filtered set puts every letter back on its topic; the receiver now takes them.
  refusing = false;
  const replay = await rt.admin<{ replayed: number }>("POST", "/api/v1/dead-letters/replay", {
    topic: "dispatch",
    reason: "answered 400",
  });
  expect(replay.body).toEqual({ replayed: LETTERS - 1 });
  await eventually(async () => {
    if (delivered !== LETTERS - 1) throw new Error(`${delivered} delivered`);
  }, 60_000);
  expect(await deadLetterCount()).toBe(0);
  expect((await rt.admin<Page>("GET", "/api/v1/dead-letters")).body).toMatchObject({ total: 0, items: [] });
  expect((await rt.admin("POST", "/api/v1/dead-letters/purge", {})).body).toEqual({ deleted: 0 });
}, 240_000);
