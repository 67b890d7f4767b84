import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, RuntimeProcess } from "../harness.js";

// Auto profile merging: two visitors who sign in with one e-mail become one profile.
let rt: RuntimeProcess;

beforeAll(async () => {
  rt = await RuntimeProcess.start({
    TRACARDI_MERGE_INTERVAL_MS: "0",
    TRACARDI_AUTO_PROFILE_MERGING: "a-salt-of-twenty-chars-or-more",
  });
  await rt.createSource("web");
});
afterAll(async () => rt?.stop());

interface ProfileDoc {
  id: string;
  ids: string[];
  stats: { visits: number };
  data: Record<string, unknown>;
  metadata: { system: { aux: { auto_merge: string[] } }; time: { visit: { count: number } } };
}

describe("auto profile merging", () => {
  it("merges profiles sharing an e-mail, keeping personal data, summing visit counts and moving history", async () => {
    const email = `${randomUUID()}@example.com`;
    const sessionA = randomUUID();
    const sessionB = randomUUID();
    const a = await rt.track({
      source: { id: "web" },
      session: { id: sessionA },
      events: [
        { type: "sign-in", properties: { email: { main: email } } },
        { type: "profile-update", properties: { pii: { firstname: "Ann" } } },
      ],
    });
    const b = await rt.track({
      source: { id: "web" },
      session: { id: sessionB },
      events: [
        { type: "sign-up", properties: { email: { main: email }, lastname: "Lee" } },
        { type: "checkout-completed", properties: { value: 30 } },
      ],
    });
    const idA = a.body.profile?.id as string;
    const idB = b.body.profile?.id as string;
    expect(idA).not.toBe(idB);
    await rt.drained();

    const marked = await rt.profile(idB);
    expect((marked.body as unknown as ProfileDoc).ids.some((id) => id.startsWith("emm-"))).toBe(true);
    expect((marked.body as unknown as ProfileDoc).metadata.system.aux.auto_merge).toHaveLength(1);
    const eventsBefore =
      (await rt.events(`profile=${idA}&limit=100`)).body.total +
      (await rt.events(`profile=${idB}&limit=100`)).body.total;

    const pass = await rt.admin<{ queued: number }>("POST", "/api/v1/merge");
    expect(pass.status).toBe(200);
    expect(pass.body.queued).toBeGreaterThanOrEqual(1);
    await rt.drained();

    const viaOld = await rt.profile(idB);
    const merged = viaOld.body as unknown as ProfileDoc;
    expect(merged.id).toBe(idA);
    expect(merged.ids).toEqual(expect.arrayContaining([idA, idB]));
    expect(merged.metadata.time.visit.count).toBe(2);
    expect(merged.data).toMatchObject({
      pii: { firstname: "Ann", lastname: "Lee" },
      contact: { email: { main: email } },
      metrics: { ltcocc: 1, ltcocv: 30 },
    });
    expect(merged.metadata.system.aux.auto_merge).toEqual([]);

    const search = await rt.admin<{ total: number }>(
      "GET",
      `/api/v1/profiles?field=data.contact.email.main&value=${encodeURIComponent(email)}`,
    );
    expect(search.body.total).toBe(1);
    const events = await rt.events(`profile=${idA}&limit=100`);
    expect(events.body.total).toBe(eventsBefore);
    expect(events.body.items.filter((e) => e.type === "checkout-completed")).toHaveLength(1);
    const session = await rt.admin<{ profile: { id: string } }>("GET", `/api/v1/sessions/${sessionB}`);
    expect(session.body.profile.id).toBe(idA);
    // The monitoring log says who was merged into whom.
    const logged = await eventually(async () => {
      const page = await rt.admin<{ result: { level: string; message: string; details: unknown }[] }>(
        "GET",
        "/api/v1/logs?kind=merge",
      );
      const entry = page.body.result.find((e) => e.message === `merged 1 profile into ${idA}`);
      if (!entry) throw new Error(`no merge entry in ${JSON.stringify(page.body)}`);
      return entry;
    });
    expect(logged).toMatchObject({ level: "info", details: { survivor: idA, merged: [idB] } });

    // The old id keeps working on /track: through the old session and as a payload profile id.
    const again = await rt.track({
      source: { id: "web" },
      session: { id: sessionB },
      events: [{ type: "page-view" }],
    });
    expect(again.body.profile?.id).toBe(idA);
    const byId = await rt.track({
      source: { id: "web" },
      session: { id: randomUUID() },
      profile: { id: idB },
      events: [{ type: "page-view" }],
    });
    expect(byId.body.profile?.id).toBe(idA);
    await rt.drained();
    expect(((await rt.profile(idA)).body as unknown as ProfileDoc).metadata.time.visit.count).toBe(3);
  });

  it("clears the mark of a profile without duplicates", async () => {
    const res = await rt.track({
      source: { id: "web" },
      session: { id: randomUUID() },
      events: [{ type: "identification", properties: { phone: { mobile: `+47 ${Date.now()}` } } }],
    });
    await rt.drained();
    await rt.admin("POST", "/api/v1/merge");
    await rt.drained();
    const profile = (await rt.profile(res.body.profile?.id as string)).body as unknown as ProfileDoc;
    expect(profile.ids.some((id) => id.startsWith("pho-"))).toBe(true);
    expect(profile.metadata.system.aux.auto_merge).toEqual([]);
  });
});
