import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { DeadLetter } from "../../ports/queue.js";
import { eventually, RuntimeProcess } from "../harness.js";
import { ensureServer, type ServerInfo } from "./servers.js";

// Issue 10, case 4: one document the search engine rejects fails only the message that carries it.
interface SearchInfo extends ServerInfo {
  url: string;
}

const PREFIX = `poison${randomBytes(5).toString("hex")}-`;
let server: SearchInfo;
let runtime: RuntimeProcess | undefined;

beforeAll(async () => {
  server = await ensureServer<SearchInfo>("opensearch");
}, 15 * 60_000);

afterAll(async () => {
  await runtime?.stop();
  if (!server) return;
  for (const kind of ["profile", "session", "event"]) {
    await fetch(`${server.url}/${PREFIX}tracardi-${kind}`, { method: "DELETE" });
  }
});

it("stores the innocent events of a storage batch and dead-letters only the one the engine rejects", async () => {
  runtime = await RuntimeProcess.start({
    TRACARDI_STORE: "opensearch",
    TRACARDI_SEARCH_URL: server.url,
    TRACARDI_SEARCH_INDEX_PREFIX: PREFIX,
  });
  const rt = runtime;
  await rt.createSource("poison-site");
  const pageView = (category: unknown) =>
    rt.track({
      source: { id: "poison-site" },
      session: { id: randomUUID() },
      events: [{ type: "page-view", properties: { category } }],
    });
  // hit.page.category becomes a text field with the first page view.
  expect((await pageView("shoes")).status).toBe(200);
  await rt.drained();

  const answers = await Promise.all([
    ...Array.from({ length: 10 }, (_, n) => pageView(`cat-${n}`)),
    pageView({ not: "a string" }),
    ...Array.from({ length: 10 }, (_, n) => pageView(`cat-${n + 10}`)),
  ]);
  expect(answers.map((a) => a.status)).toEqual(Array(21).fill(200));
  const rejected = answers[10]?.body.profile?.id as string;
  const innocent = answers.filter((_, n) => n !== 10).map((a) => a.body.profile?.id as string);

  const letters = await eventually(async () => {
    const listed = await rt.admin<{ items: DeadLetter[] }>("GET", "/api/v1/dead-letters?topic=storage");
    if (listed.body.items.length === 0) throw new Error("nothing dead-lettered yet");
    return listed.body.items;
  }, 30_000);
  expect(letters).toHaveLength(1);
  expect(letters[0]?.reason).toMatch(
    /^event \S+ was not stored: mapper_parsing_exception: .*hit\.page\.category/,
  );
  expect(letters[0]?.body).toMatchObject({ profile: { id: rejected } });
  await rt.drained();

  for (const profileId of innocent) {
    const events = await rt.events(`profile=${profileId}&type=page-view`);
    expect(events.body.total, profileId).toBe(1);
  }
  expect((await rt.events(`profile=${rejected}&type=page-view`)).body.total).toBe(0);
  expect((await rt.admin("GET", "/api/v1/status")).status).toBe(200);
});
