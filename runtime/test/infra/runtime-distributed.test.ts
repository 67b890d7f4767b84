import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { eventually, RuntimeProcess } from "../harness.js";
import { Topology } from "./topology.js";

// The production topology on real servers, as the operator deploys it: two public APIs, the
// private API, a collector worker and a background worker as separate processes, talking through
// Pulsar, with configuration and identities in MariaDB and the data in OpenSearch.
let topology: Topology;
const launch = (args: string[]) => topology.launch(args);

beforeAll(async () => {
  topology = await Topology.start("dist");
}, 20 * 60_000);

// Every test runs its own processes: none may consume another test's messages.
afterEach(async () => topology?.stopProcesses());
afterAll(async () => topology?.close());

describe("the runtime as separate processes over Pulsar, MariaDB and OpenSearch", () => {
  it("stores every accepted event once, with one profile per visitor, whichever API took the request", async () => {
    const privateApi = await launch(["api", "--role", "private"]);
    const publicApis = [await launch(["api", "--role", "public"]), await launch(["api", "--role", "public"])];
    const collector = await launch(["worker", "collector"]);
    await launch(["worker", "background"]);
    await privateApi.createSource("dist-site");

    const visitors = Array.from({ length: 12 }, () => randomUUID());
    const answers = await Promise.all(
      visitors.flatMap((session) =>
        [0, 1, 0].map(async (which, n) => {
          const api = publicApis[which] as RuntimeProcess;
          const res = await api.track({
            source: { id: "dist-site" },
            session: { id: session },
            events: [{ type: "page-view", properties: { n } }],
          });
          expect(res.status).toBe(200);
          return { session, profile: res.body.profile?.id as string };
        }),
      ),
    );
    const profileOf = new Map<string, string>();
    for (const { session, profile } of answers) {
      expect(profileOf.get(session) ?? profile).toBe(profile);
      profileOf.set(session, profile);
    }

    await eventually(async () => {
      for (const profile of profileOf.values()) {
        const views = await privateApi.events(`profile=${profile}&type=page-view`);
        expect(views.body.total).toBe(3);
      }
    }, 60_000);
    await privateApi.drained(60_000);
    for (const profile of profileOf.values()) {
      const stored = await privateApi.profile(profile);
      expect(stored.status).toBe(200);
      expect(stored.body).toMatchObject({ id: profile, metadata: { time: { visit: { count: 1 } } } });
      const all = await privateApi.events(`profile=${profile}`);
      const types = all.body.items.map((e) => e.type).sort();
      expect(types).toEqual([
        "page-view",
        "page-view",
        "page-view",
        "profile-created",
        "session-opened",
        "visit-started",
      ]);
    }
    // Storage runs in another process: the collector lets go of what the store now holds.
    await eventually(async () => {
      const metrics = await (await fetch(`${collector.healthUrl}/metrics`)).text();
      expect(metrics).toMatch(/^tracardi_pending_state_documents 0$/m);
    }, 30_000);
    // The private API runs no stage: it counts stored events per minute in the store (the console's
    // Overview), and cannot know what the public APIs accepted.
    await eventually(async () => {
      const throughput = await privateApi.admin<{
        counted: string;
        minutes: { accepted: number | null; stored: number }[];
      }>("GET", "/api/v1/throughput?minutes=10");
      expect(throughput.body.counted).toBe("store");
      expect(throughput.body.minutes.every((m) => m.accepted === null)).toBe(true);
      expect(throughput.body.minutes.reduce((sum, m) => sum + m.stored, 0)).toBe(visitors.length * 6);
    }, 30_000);
  });

  it("keeps client event ids apart and stores an id re-sent through two APIs and a collector restart once", async () => {
    const privateApi = await launch(["api", "--role", "private"]);
    const publicApis = [await launch(["api", "--role", "public"]), await launch(["api", "--role", "public"])];
    let collector = await launch(["worker", "collector"]);
    await launch(["worker", "background"]);
    await privateApi.createSource("ids-site");
    const send = (api: number, session: string, id: string, type: string, profile?: string) =>
      (publicApis[api] as RuntimeProcess).track({
        source: { id: "ids-site" },
        session: { id: session },
        ...(profile ? { profile: { id: profile } } : {}),
        events: [{ id, type, properties: { value: 1 } }],
      });

    // The issue 11 reproduction: another session's event never takes over the victim's id.
    const shared = `evt-${randomUUID()}`;
    const victim = await send(0, `victim-${randomUUID()}`, shared, "purchase");
    const other = await send(1, `other-${randomUUID()}`, shared, "other");
    expect([victim.status, other.status]).toEqual([200, 200]);

    // The same id three times, through both APIs and across a collector restart.
    const order = `order-${randomUUID()}`;
    const session = randomUUID();
    const first = await send(0, session, order, "checkout-completed");
    const profile = first.body.profile?.id as string;
    await privateApi.drained(60_000);
    await collector.kill("SIGKILL");
    expect((await send(1, session, order, "checkout-completed", profile)).status).toBe(200);
    collector = await launch(["worker", "collector"]);
    expect((await send(0, session, order, "checkout-completed", profile)).status).toBe(200);
    await privateApi.drained(60_000);

    const stored = await privateApi.admin<{ type: string; profile: { id: string } }>(
      "GET",
      `/api/v1/events/${shared}`,
    );
    expect(stored.body).toMatchObject({ type: "purchase", profile: { id: victim.body.profile?.id } });
    const theirs = await privateApi.events(`profile=${other.body.profile?.id}&type=other`);
    expect(theirs.body.items.map((e) => e.id)).not.toContain(shared);
    expect(theirs.body.total).toBe(1);
    const checkouts = await privateApi.events(`profile=${profile}&type=checkout-completed`);
    expect(checkouts.body.items.map((e) => e.id)).toEqual([order]);
    const counted = (await privateApi.profile(profile)).body as unknown as {
      data: { metrics: { ltcocc: number } };
    };
    expect(counted.data.metrics.ltcocc).toBe(1);
  });

  it("loses no update when a collector restarts while storage is behind", async () => {
    const privateApi = await launch(["api", "--role", "private"]);
    const publicApi = await launch(["api", "--role", "public"]);
    const firstCollector = await launch(["worker", "collector"]);
    await privateApi.createSource("restart-site");
    const session = randomUUID();
    const checkout = () =>
      publicApi.track({
        source: { id: "restart-site" },
        session: { id: session },
        events: [{ type: "checkout-completed", properties: { value: 1 } }],
      });
    const first = await checkout();
    const profileId = first.body.profile?.id as string;
    // No storage worker yet: the collector's output waits on the storage topic.
    await eventually(async () => {
      const status = await privateApi.admin<{ queue: { backlog: Record<string, number> } }>(
        "GET",
        "/api/v1/status",
      );
      expect(status.body.queue.backlog.storage).toBeGreaterThan(0);
      expect(status.body.queue.backlog.collector).toBe(0);
    }, 30_000);
    await firstCollector.kill(); // its in-memory copy of the profile is gone
    expect((await checkout()).body.profile?.id).toBe(profileId);
    const secondCollector = await launch(["worker", "collector"]);
    // It must not build on the store's copy (none yet) while storage is behind.
    await new Promise((r) => setTimeout(r, 2000));
    expect(secondCollector.logs).toMatch(/collector waits until \d+ queued documents are stored/);
    await launch(["worker", "background"]);
    await eventually(async () => {
      const profile = await privateApi.profile(profileId);
      expect((profile.body as unknown as { data: { metrics: { ltcocc: number } } }).data.metrics.ltcocc).toBe(
        2,
      );
    }, 60_000);
  });
});
