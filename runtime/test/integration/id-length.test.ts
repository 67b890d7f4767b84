import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RuntimeProcess } from "../harness.js";

// Issue 11 item 6: one id length rule. Every id /track accepts (source, session, profile, event; at
// most 256 characters) reads back through the private API; a longer one is a 422 naming the field,
// and the router's own refusals come back as `{detail}`.
const LONGEST = 256;
let rt: RuntimeProcess;
const sourceId = `src-${"s".repeat(LONGEST - 4)}`;

beforeAll(async () => {
  rt = await RuntimeProcess.start();
  await rt.createSource(sourceId, { config: { static_profile_id: true } });
});
afterAll(async () => {
  await rt?.stop();
});

const path = (kind: string, id: string) => `/api/v1/${kind}/${encodeURIComponent(id)}`;

describe("ids of the longest length /track accepts", () => {
  // Plain characters, and characters outside the BMP (two UTF-16 units each, four bytes in UTF-8).
  for (const [name, unit] of [
    ["ascii", "a"],
    ["astral", "😀"],
  ] as const) {
    it(`read back through the private API (${name})`, async () => {
      const id = (prefix: string) => prefix + unit.repeat(LONGEST - prefix.length);
      const ids = { session: id(`s-${name}-`), profile: id(`p-${name}-`), event: id(`e-${name}-`) };
      expect([...ids.session]).toHaveLength(LONGEST);
      const res = await rt.track<{ profile: { id: string } }>({
        source: { id: sourceId },
        session: { id: ids.session },
        profile: { id: ids.profile },
        events: [{ id: ids.event, type: "page-view" }],
      });
      expect(res.status).toBe(200);
      expect(res.body.profile.id).toBe(ids.profile);
      await rt.drained();

      const session = await rt.admin<{ id: string }>("GET", path("sessions", ids.session));
      expect(session.status).toBe(200);
      expect(session.body.id).toBe(ids.session);
      const event = await rt.admin<{ id: string; source: { id: string } }>("GET", path("events", ids.event));
      expect(event.status).toBe(200);
      expect(event.body).toMatchObject({ id: ids.event, source: { id: sourceId } });
      const profile = await rt.admin<{ id: string }>("GET", path("profiles", ids.profile));
      expect(profile.status).toBe(200);
      expect(profile.body.id).toBe(ids.profile);
    });
  }

  it("reads the source back too", async () => {
    const source = await rt.admin<{ id: string }>("GET", path("event-sources", sourceId));
    expect(source.status).toBe(200);
    expect(source.body.id).toBe(sourceId);
  });
});

describe("ids over the limit", () => {
  const tooLong = "x".repeat(LONGEST + 1);

  it("are refused at /track with a 422 naming the field", async () => {
    const cases: [unknown, (string | number)[]][] = [
      [{ source: { id: tooLong }, events: [{ type: "a" }] }, ["body", "source", "id"]],
      [
        { source: { id: sourceId }, session: { id: tooLong }, events: [{ type: "a" }] },
        ["body", "session", "id"],
      ],
      [
        { source: { id: sourceId }, profile: { id: tooLong }, events: [{ type: "a" }] },
        ["body", "profile", "id"],
      ],
      [{ source: { id: sourceId }, events: [{ id: tooLong, type: "a" }] }, ["body", "events", 0, "id"]],
    ];
    for (const [payload, loc] of cases) {
      const res = await rt.track<{ detail: { loc: (string | number)[]; msg: string }[] }>(payload);
      expect(res.status, JSON.stringify(loc)).toBe(422);
      expect(res.body.detail.map((d) => d.loc)).toContainEqual(loc);
    }
  });

  it("are not found through the private API, and a path parameter past the router's limit is a 414 with {detail}", async () => {
    const missing = await rt.admin<{ detail: string }>("GET", path("sessions", tooLong));
    expect(missing.status).toBe(404);
    expect(missing.body.detail).toMatch(/No session/);
    for (const kind of ["sessions", "events", "profiles"]) {
      const res = await rt.admin<{ detail: string }>("GET", path(kind, "x".repeat(4 * LONGEST)));
      expect(res.status, kind).toBe(414);
      expect(res.body).toEqual({ detail: expect.stringMatching(/ids are at most 256 characters/) });
    }
  });

  it("answers a path that does not decode with {detail}", async () => {
    const res = await rt.admin<{ detail: string }>("GET", "/api/v1/sessions/%E0%A4%A");
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ detail: expect.any(String) });
  });
});
