import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mergeProfiles } from "../../domain/merge.js";
import { markMergeIds } from "../../domain/merge-keys.js";
import type { Profile, Session, TrackedEvent } from "../../domain/types.js";
import type { DataStore, WriteBatch } from "../../ports/store.js";
import { buildEvent } from "../../stages/process/event.js";
import { countVisit, newProfile } from "../../stages/process/profile.js";
import { newSession } from "../../stages/process/session.js";

export interface OpenedDataStore {
  store: DataStore;
  close(): Promise<void>;
}

const SALT = "contract-salt-of-twenty-chars";
const USER_AGENT =
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";

/** A profile as the collector makes it: a visit counted, personal data, traits and hashed merge ids. */
function profile(at: string, email = `${randomUUID()}@example.com`): Profile {
  const p = newProfile(randomUUID(), new Date(at));
  countVisit(p, new Date(at), "Europe/Warsaw");
  p.data = {
    pii: { firstname: "Ann", lastname: "Lee" },
    contact: { email: { main: email } },
    metrics: { ltv: 12.5 },
  };
  p.traits = { plan: "gold", score: 7, nested: { flag: true } };
  p.segments = ["vip"];
  p.interests = { shoes: 2 };
  p.consents = { marketing: { revoke: null } };
  p.metadata.fields = { "data.contact.email.main": [at, randomUUID()] };
  markMergeIds(p, SALT);
  return p;
}

function session(profileId: string | null, at: string): Session {
  return newSession({
    id: randomUUID(),
    profileId,
    channel: "web",
    context: {
      browser: { local: { browser: { userAgent: USER_AGENT, language: "pl-PL" } } },
      screen: { local: { width: 1920, height: 1080, colorDepth: 24, orientation: "landscape" } },
      utm: { source: "newsletter", campaign: "spring" },
      location: {
        country: { name: "Poland", code: "PL" },
        city: "Wrocław",
        latitude: 51.1,
        longitude: 17.03,
      },
    },
    userAgent: null,
    now: new Date(at),
  });
}

/** An event as the collector builds it, inserted at `at`. */
export function event(s: Session | null, profileId: string | null, type: string, at: string): TrackedEvent {
  return buildEvent({
    payload: {
      id: randomUUID(),
      type,
      properties: { sku: "A-1", price: 19.99, items: [{ id: 1 }, { id: "two" }], "odd.key": "x" },
      context: {
        page: { url: "https://shop.example.com/a?x=1", title: "A", referer: { host: "google.com" } },
      },
      tags: ["t1"],
      time: { insert: at },
    },
    sourceId: "web-source",
    channel: "web",
    session: s,
    profileId,
    profileLess: profileId === null,
    context: { tracardi: { pass: "x" } },
    request: { ip: "127.0.0.1", headers: { "user-agent": USER_AGENT } },
    receivedAt: at,
    now: new Date(at),
  });
}

/** `2026-03-01T10:00:0<n>.000Z`: distinct, increasing insert times. */
function second(n: number): string {
  return new Date(Date.UTC(2026, 2, 1, 10, 0, n)).toISOString();
}

function batch(part: Partial<WriteBatch>): WriteBatch {
  return { profiles: [], sessions: [], events: [], ...part };
}

const ids = (items: { id: string }[]) => items.map((item) => item.id);

/**
 * What every DataStore must do, on a shared store: each test writes documents with fresh ids, so it
 * sees only its own in filtered queries.
 */
export function describeDataStoreContract(name: string, open: () => Promise<OpenedDataStore>): void {
  describe(`DataStore contract: ${name}`, () => {
    let opened: OpenedDataStore;
    let store: DataStore;

    beforeAll(async () => {
      opened = await open();
      store = opened.store;
    }, 15 * 60_000);
    afterAll(async () => opened?.close());

    it("answers null for unknown ids", async () => {
      expect(await store.getProfile(randomUUID())).toBeNull();
      expect(await store.getSession(randomUUID())).toBeNull();
      expect(await store.getEvent(randomUUID())).toBeNull();
      expect(await store.getProfile("")).toBeNull();
      expect(await store.getSession("x".repeat(600))).toBeNull();
      expect(await store.getEvent("a/b?c#d é")).toBeNull();
    });

    it("returns written profiles, sessions and events as they were written", async () => {
      const p = profile(second(1));
      const s = session(p.id, second(1));
      const e = event(s, p.id, "page-view", second(2));
      const loose = event(null, null, "page-view", second(3));
      await store.write(batch({ profiles: [p], sessions: [s], events: [e, loose] }));

      expect(await store.getProfile(p.id)).toEqual(p);
      expect(await store.getSession(s.id)).toEqual(s);
      expect(await store.getEvent(e.id)).toEqual(e);
      expect(await store.getEvent(loose.id)).toEqual(loose);
    });

    it("writes every document it can and names, with a reason, each one it cannot", async () => {
      const p = profile(second(1));
      const s = session(p.id, second(1));
      const good = event(s, p.id, "page-view", second(2));
      const cyclic = event(s, p.id, "page-view", second(3));
      (cyclic.properties as Record<string, unknown>).self = cyclic.properties;
      expect(await store.write(batch({ profiles: [p], sessions: [s], events: [good] }))).toEqual([]);
      const failures = await store.write(batch({ profiles: [p], sessions: [s], events: [cyclic, good] }));
      expect(failures).toEqual([
        { kind: "event", id: cyclic.id, reason: expect.stringMatching(/circular/i), permanent: true },
      ]);
      expect(await store.getEvent(cyclic.id)).toBeNull();
      expect(await store.getEvent(good.id)).toEqual(good);
      expect(await store.getProfile(p.id)).toEqual(p);
    });

    it("keeps ids with URL and non-ASCII characters apart", async () => {
      const odd = { ...event(null, null, "page-view", second(1)), id: `a/b?c#d é ${randomUUID()}` };
      const plain = { ...odd, id: odd.id.replaceAll("/", "_") };
      await store.write(batch({ events: [odd, plain] }));
      expect(await store.getEvent(odd.id)).toEqual(odd);
      expect(await store.getEvent(plain.id)).toEqual(plain);
    });

    it("rewrites documents by id: a replayed or updated batch leaves one copy, the newest", async () => {
      const p = profile(second(1));
      const s = session(p.id, second(1));
      const events = [event(s, p.id, "page-view", second(2)), event(s, p.id, "purchase", second(3))];
      const first = batch({ profiles: [p], sessions: [s], events });
      await store.write(first);
      await store.write(first);

      const updated = structuredClone(p);
      countVisit(updated, new Date(second(9)), null);
      updated.traits.plan = "platinum";
      const later = structuredClone(s);
      later.metadata.status = "ended";
      await store.write(batch({ profiles: [updated], sessions: [later], events }));

      expect(await store.getProfile(p.id)).toEqual(updated);
      expect(await store.getSession(s.id)).toEqual(later);
      const listed = await store.events({ profileId: p.id, limit: 10, offset: 0 });
      expect(listed.total).toBe(2);
      expect((await store.sessions({ profileId: p.id, limit: 10, offset: 0 })).total).toBe(1);
      const found = await store.profiles({ field: "id", value: p.id, limit: 10, offset: 0 });
      expect(found).toEqual({ total: 1, items: [updated] });
    });

    it("lists events newest first (ties by id), filtered by profile, session and type, with total", async () => {
      const p = profile(second(0));
      const s1 = session(p.id, second(0));
      const s2 = session(p.id, second(5));
      const tied = [event(s2, p.id, "page-view", second(7)), event(s2, p.id, "purchase", second(7))];
      const events = [
        event(s1, p.id, "page-view", second(1)),
        event(s1, p.id, "page-view", second(2)),
        event(s1, p.id, "purchase", second(3)),
        event(s2, p.id, "page-view", second(6)),
        ...tied,
      ];
      const other = event(session(null, second(1)), randomUUID(), "page-view", second(8));
      // Written in an order that is neither the insert order nor the id order.
      await store.write(batch({ profiles: [p], sessions: [s2, s1], events: [other, ...events].reverse() }));

      const [a, b, c, d] = events as [TrackedEvent, TrackedEvent, TrackedEvent, TrackedEvent];
      const newestFirst = [...tied.sort((x, y) => (x.id < y.id ? -1 : 1)), d, c, b, a];
      const all = await store.events({ profileId: p.id, limit: 100, offset: 0 });
      expect(all.total).toBe(6);
      expect(ids(all.items)).toEqual(ids(newestFirst));
      expect(all.items[2]).toEqual(d);

      const window = await store.events({ profileId: p.id, limit: 2, offset: 1 });
      expect(window.total).toBe(6);
      expect(ids(window.items)).toEqual(ids(newestFirst.slice(1, 3)));
      const past = await store.events({ profileId: p.id, limit: 5, offset: 6 });
      expect(past).toEqual({ total: 6, items: [] });

      const inSession = await store.events({ sessionId: s1.id, limit: 100, offset: 0 });
      expect(ids(inSession.items)).toEqual([c, b, a].map((x) => x.id));
      const purchases = await store.events({ profileId: p.id, type: "purchase", limit: 100, offset: 0 });
      expect(purchases.total).toBe(2);
      expect(purchases.items.every((x) => x.type === "purchase" && x.profile?.id === p.id)).toBe(true);
      const both = await store.events({ sessionId: s2.id, type: "page-view", limit: 1, offset: 0 });
      expect(both.total).toBe(2);
      expect(both.items.map((x) => x.type)).toEqual(["page-view"]);
      expect((await store.events({ sessionId: randomUUID(), limit: 10, offset: 0 })).total).toBe(0);

      const everything = await store.events({ limit: 1, offset: 0 });
      expect(everything.total).toBeGreaterThanOrEqual(7);
      expect(everything.items).toHaveLength(1);
    });

    it("filters events by metadata.valid, keeping the reasons in metadata.messages", async () => {
      const p = profile(second(0));
      const s = session(p.id, second(0));
      const good = event(s, p.id, "purchase", second(1));
      const bad = event(s, p.id, "purchase", second(2));
      bad.metadata.valid = false;
      bad.metadata.messages.push("order: /price must be number");
      await store.write(batch({ profiles: [p], sessions: [s], events: [good, bad] }));

      const invalid = await store.events({ sessionId: s.id, valid: false, limit: 10, offset: 0 });
      expect(invalid.total).toBe(1);
      expect(invalid.items).toEqual([bad]);
      expect(invalid.items[0]?.metadata.messages).toEqual(["order: /price must be number"]);
      const valid = await store.events({ sessionId: s.id, valid: true, limit: 10, offset: 0 });
      expect(ids(valid.items)).toEqual([good.id]);
      const both = await store.events({ sessionId: s.id, limit: 10, offset: 0 });
      expect(both.total).toBe(2);
    });

    it("finds profiles by the whole, case-sensitive value of a field, newest first", async () => {
      const email = `${randomUUID()}@Example.com`;
      const older = profile(second(1), email);
      const newer = profile(second(2), email);
      const unrelated = profile(second(3));
      const team = randomUUID();
      older.traits.team = team;
      older.stats.views = 3;
      await store.write(batch({ profiles: [older, unrelated, newer] }));

      const field = "data.contact.email.main";
      const byEmail = await store.profiles({ field, value: email, limit: 10, offset: 0 });
      expect(byEmail).toEqual({ total: 2, items: [newer, older] });
      expect(await store.profiles({ field, value: email, limit: 1, offset: 1 })).toEqual({
        total: 2,
        items: [older],
      });
      expect((await store.profiles({ field, value: email.toLowerCase(), limit: 10, offset: 0 })).total).toBe(
        0,
      );
      expect((await store.profiles({ field, value: email.slice(0, 10), limit: 10, offset: 0 })).total).toBe(
        0,
      );
      expect(
        ids((await store.profiles({ field: "traits.team", value: team, limit: 10, offset: 0 })).items),
      ).toEqual([older.id]);
      const byNumber = await store.profiles({ field: "stats.views", value: 3, limit: 100, offset: 0 });
      expect(ids(byNumber.items)).toContain(older.id);
      expect(ids(byNumber.items)).not.toContain(newer.id);
      // A query string has only text: "3" finds the number, "true" the boolean, an item a list.
      const segment = `seg-${randomUUID()}`;
      unrelated.traits.active = true;
      unrelated.segments = ["other", segment];
      await store.write(batch({ profiles: [unrelated] }));
      expect(
        ids((await store.profiles({ field: "stats.views", value: "3", limit: 100, offset: 0 })).items),
      ).toContain(older.id);
      expect(
        ids((await store.profiles({ field: "traits.active", value: "true", limit: 100, offset: 0 })).items),
      ).toContain(unrelated.id);
      expect(
        ids((await store.profiles({ field: "segments", value: segment, limit: 10, offset: 0 })).items),
      ).toEqual([unrelated.id]);
      // A value that cannot be of the field's type finds nothing; it is not an error.
      expect(await store.profiles({ field: "stats.views", value: "many", limit: 10, offset: 0 })).toEqual({
        total: 0,
        items: [],
      });
      expect(
        (await store.profiles({ field: "no.such.field", value: email, limit: 10, offset: 0 })).total,
      ).toBe(0);

      const all = await store.profiles({ limit: 1, offset: 0 });
      expect(all.total).toBeGreaterThanOrEqual(3);
      expect(all.items).toHaveLength(1);
    });

    it("lists a profile's sessions newest first with total", async () => {
      const p = profile(second(0));
      const sessions = [session(p.id, second(1)), session(p.id, second(3)), session(p.id, second(2))];
      const stranger = session(randomUUID(), second(4));
      await store.write(batch({ profiles: [p], sessions: [...sessions, stranger] }));

      const [s1, s3, s2] = sessions as [Session, Session, Session];
      const listed = await store.sessions({ profileId: p.id, limit: 10, offset: 0 });
      expect(listed).toEqual({ total: 3, items: [s3, s2, s1] });
      const page = await store.sessions({ profileId: p.id, limit: 1, offset: 2 });
      expect(page).toEqual({ total: 3, items: [s1] });
      expect((await store.sessions({ profileId: randomUUID(), limit: 10, offset: 0 })).total).toBe(0);
      expect((await store.sessions({ limit: 1, offset: 0 })).total).toBeGreaterThanOrEqual(4);
    });

    it("moves a merged profile's events and sessions to the survivor and deletes it", async () => {
      const email = `${randomUUID()}@example.com`;
      const a = profile(second(1), email);
      const b = profile(second(2), email);
      const sa = session(a.id, second(1));
      const sb = session(b.id, second(2));
      const ea = event(sa, a.id, "page-view", second(3));
      const eb = event(sb, b.id, "page-view", second(4));
      await store.write(batch({ profiles: [a, b], sessions: [sa, sb], events: [ea, eb] }));

      const { survivor, merged } = mergeProfiles([b, a], new Date(second(5)));
      expect(survivor.id).toBe(a.id);
      expect(merged).toEqual([b.id]);
      // An event of the merged profile that arrives in the merging batch moves too.
      const late = event(sb, b.id, "sign-in", second(6));
      const merging = batch({
        profiles: [survivor],
        events: [late],
        merged: merged.map((from) => ({ from, to: survivor.id })),
      });
      await store.write(merging);
      await store.write(merging);

      expect(await store.getProfile(b.id)).toBeNull();
      expect(await store.getProfile(a.id)).toEqual(survivor);
      expect((await store.getEvent(eb.id))?.profile).toEqual({ id: a.id });
      expect((await store.getEvent(late.id))?.profile).toEqual({ id: a.id });
      expect((await store.getSession(sb.id))?.profile).toEqual({ id: a.id });
      const events = await store.events({ profileId: a.id, limit: 10, offset: 0 });
      expect(ids(events.items)).toEqual([late.id, eb.id, ea.id]);
      expect((await store.events({ profileId: b.id, limit: 10, offset: 0 })).total).toBe(0);
      const sessions = await store.sessions({ profileId: a.id, limit: 10, offset: 0 });
      expect(ids(sessions.items)).toEqual([sb.id, sa.id]);
      expect((await store.sessions({ profileId: b.id, limit: 10, offset: 0 })).total).toBe(0);
      // The rest of the moved documents is untouched.
      expect({ ...(await store.getEvent(eb.id)), profile: eb.profile }).toEqual(eb);
    });

    it("applies merges of one batch in order: a into b, then b into c, leaves everything with c", async () => {
      const [a, b, c] = [profile(second(1)), profile(second(2)), profile(second(3))];
      const events = [a, b, c].map((p) => event(null, p.id, "page-view", second(4)));
      await store.write(batch({ profiles: [a, b, c], events }));

      await store.write(
        batch({
          profiles: [c],
          merged: [
            { from: a.id, to: b.id },
            { from: b.id, to: c.id },
          ],
        }),
      );

      expect(await store.getProfile(a.id)).toBeNull();
      expect(await store.getProfile(b.id)).toBeNull();
      const moved = await store.events({ profileId: c.id, limit: 10, offset: 0 });
      expect(moved.total).toBe(3);
      expect(new Set(ids(moved.items))).toEqual(new Set(ids(events)));
    });

    it("finds the profiles holding any of the given ids", async () => {
      const email = `${randomUUID()}@example.com`;
      const a = profile(second(1), email);
      const b = profile(second(2), email);
      const c = profile(second(3));
      await store.write(batch({ profiles: [a, b, c] }));
      const shared = a.ids.find((id) => id.startsWith("emm-")) as string;
      expect(b.ids).toContain(shared);

      const found = await store.profilesWithIds([shared, randomUUID()]);
      expect(found.map((p) => p.id).sort()).toEqual([a.id, b.id].sort());
      expect(found.find((p) => p.id === a.id)).toEqual(a);
      expect(ids(await store.profilesWithIds([c.id]))).toEqual([c.id]);
      expect(await store.profilesWithIds([randomUUID()])).toEqual([]);
      expect(await store.profilesWithIds([])).toEqual([]);

      // `ids` is rewritten with the profile: an id it no longer holds finds nothing.
      const unlinked = { ...b, ids: [b.id] };
      await store.write(batch({ profiles: [unlinked] }));
      expect(ids(await store.profilesWithIds([shared]))).toEqual([a.id]);
    });

    it("lists the profiles marked for merging until they are written unmarked", async () => {
      const marked = [profile(second(1)), profile(second(2))];
      const plain = profile(second(3));
      plain.metadata.system.aux.auto_merge = [];
      expect(marked.every((p) => p.metadata.system.aux.auto_merge.length > 0)).toBe(true);
      await store.write(batch({ profiles: [...marked, plain] }));

      const listed = await store.profilesMarkedForMerge(100_000);
      expect(listed).toEqual(expect.arrayContaining(ids(marked)));
      expect(listed).not.toContain(plain.id);
      expect(await store.profilesMarkedForMerge(1)).toHaveLength(1);

      const [done, pending] = marked as [Profile, Profile];
      await store.write(
        batch({
          profiles: [{ ...done, metadata: { ...done.metadata, system: { aux: { auto_merge: [] } } } }],
        }),
      );
      const after = await store.profilesMarkedForMerge(100_000);
      expect(after).toContain(pending.id);
      expect(after).not.toContain(done.id);
    });
  });
}
