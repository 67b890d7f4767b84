import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RuntimeProcess } from "../harness.js";

// Issue 11 items 2 and 3 over HTTP: counters as Tracardi counts them, and the merge safety rails.
let rt: RuntimeProcess;

interface ProfileDoc {
  id: string;
  ids: string[];
  stats: { visits: number; views: number };
  data: Record<string, unknown>;
  metadata: { time: { visit: { count: number } } };
}

const edge = (source: string, target: string) => ({
  source,
  sourcePort: "payload",
  target,
  targetPort: "payload",
});

beforeAll(async () => {
  rt = await RuntimeProcess.start({
    TRACARDI_MERGE_INTERVAL_MS: "0",
    TRACARDI_AUTO_PROFILE_MERGING: "a-salt-of-twenty-chars-or-more",
  });
  await rt.createSource("web");
  const flow = await rt.admin<{ id: string }>("POST", "/api/v1/flows", {
    name: "count visits and views",
    nodes: [
      { id: "start", type: "start" },
      { id: "visits", type: "increase-visits" },
      { id: "views", type: "increase-views" },
    ],
    edges: [edge("start", "visits"), edge("visits", "views")],
  });
  expect(flow.status).toBe(201);
  const rule = await rt.admin("POST", "/api/v1/rules", {
    name: "count",
    source: { id: "web" },
    event_type: { id: "count-me" },
    flow: { id: flow.body.id },
    enabled: true,
  });
  expect(rule.status).toBe(201);
});
afterAll(async () => rt?.stop());

async function profileOf(id: string): Promise<ProfileDoc> {
  return (await rt.profile(id)).body as unknown as ProfileDoc;
}

const countMe = (n: number) => Array.from({ length: n }, () => ({ type: "count-me" }));

describe("counters as in Tracardi", () => {
  it("counts a new session in metadata.time.visit.count and increase-visits only in the payload that opened it", async () => {
    const session = randomUUID();
    const first = await rt.track({ source: { id: "web" }, session: { id: session }, events: countMe(3) });
    const profileId = first.body.profile?.id as string;
    await rt.track({ source: { id: "web" }, session: { id: session }, events: countMe(1) });
    await rt.drained();
    // Tracardi: session.is_new() holds for the whole request that created the session, so each of
    // the three flow runs of the first payload counts; the later payload of the session does not;
    // the session itself never counts in stats.visits. (This runtime used to give 5.)
    let profile = await profileOf(profileId);
    expect(profile.stats).toMatchObject({ visits: 3, views: 4 });
    expect(profile.metadata.time.visit.count).toBe(1);

    // A second session of the same profile: one more visit in each counter.
    await rt.track({
      source: { id: "web" },
      session: { id: randomUUID() },
      profile: { id: profileId },
      events: countMe(1),
    });
    await rt.drained();
    profile = await profileOf(profileId);
    expect(profile.stats).toMatchObject({ visits: 4, views: 5 });
    expect(profile.metadata.time.visit.count).toBe(2);
  });

  it("counts one visit for a session opened by a single increase-visits event, however many payloads follow", async () => {
    const session = randomUUID();
    const first = await rt.track({ source: { id: "web" }, session: { id: session }, events: countMe(1) });
    for (let i = 0; i < 3; i++) {
      await rt.track({ source: { id: "web" }, session: { id: session }, events: countMe(1) });
    }
    await rt.drained();
    const profile = await profileOf(first.body.profile?.id as string);
    expect(profile.stats).toMatchObject({ visits: 1, views: 4 });
    expect(profile.metadata.time.visit.count).toBe(1);
  });

  it("does not count without a workflow: a new session alone leaves stats.visits at 0", async () => {
    const res = await rt.track({
      source: { id: "web" },
      session: { id: randomUUID() },
      events: [{ type: "page-view" }],
    });
    await rt.drained();
    const profile = await profileOf(res.body.profile?.id as string);
    expect(profile.stats.visits).toBe(0);
    expect(profile.metadata.time.visit.count).toBe(1);
  });

  it("runs the counting flow for profile-less events without an error and without a profile", async () => {
    const res = await rt.track(
      { source: { id: "web" }, session: { id: randomUUID() }, events: countMe(1) },
      { query: "?profile_less=true" },
    );
    expect(res.status).toBe(200);
    expect(res.body.profile).toBeNull();
    await rt.drained();
    const events = await rt.events(`session=${res.body.session.id}&limit=10`);
    const event = events.body.items.find((e) => e.type === "count-me");
    expect(event?.metadata.messages).toEqual([]);
  });
});
