import { describe, expect, it } from "vitest";
import type { EventIdVerdict, IdentityIndex, SessionBinding } from "../../ports/store.js";
import { resolveIdentity } from "./identity.js";

/** An in-memory identity index: a unit-test stand-in for the port. */
class MemoryIndex implements IdentityIndex {
  profiles = new Map<string, string>();
  sessions = new Map<string, string | null>();
  async resolveProfile(id: string) {
    return this.profiles.get(id) ?? null;
  }
  async session(id: string): Promise<SessionBinding | null> {
    return this.sessions.has(id) ? { profileId: this.sessions.get(id) ?? null } : null;
  }
  registerProfile(id: string) {
    this.profiles.set(id, id);
  }
  async claimSession(sessionId: string, profileId: string | null) {
    if (this.sessions.has(sessionId)) return this.sessions.get(sessionId) ?? null;
    this.sessions.set(sessionId, profileId);
    return profileId;
  }
  bindSession(sessionId: string, profileId: string | null) {
    this.sessions.set(sessionId, profileId);
  }
  refresh() {}
  async persisted() {}
  async alias(aliasId: string, survivorId: string) {
    for (const [id, canonical] of this.profiles) if (canonical === aliasId) this.profiles.set(id, survivorId);
    this.profiles.set(aliasId, survivorId);
  }
  // Not used by resolveIdentity.
  async claimEventIds(): Promise<EventIdVerdict[]> {
    throw new Error("not used");
  }
  async delivered(): Promise<boolean> {
    throw new Error("not used");
  }
  async recordDelivery(): Promise<void> {}
  async claimVersions(): Promise<never[]> {
    throw new Error("not used");
  }
  async releaseVersion(): Promise<boolean> {
    throw new Error("not used");
  }
}

function ids() {
  let n = 0;
  return () => `new-${++n}`;
}

const request = (payload: { session?: { id: string }; profile?: { id: string } }, extra = {}) => ({
  payload,
  profileLess: false,
  staticProfileId: false,
  newId: ids(),
  ...extra,
});

describe("resolveIdentity (tracardi.md §1.7)", () => {
  it("creates a profile for a new session without a profile", async () => {
    const index = new MemoryIndex();
    const result = await resolveIdentity(index, request({ session: { id: "s" } }));
    expect(result).toEqual({
      profileId: "new-1",
      sessionId: "s",
      profileCreated: true,
      sessionCreated: true,
      artificialSession: false,
    });
    expect(index.sessions.get("s")).toBe("new-1");
  });

  it("replaces a forged profile id, keeps a known one, and resolves a merged one", async () => {
    const index = new MemoryIndex();
    expect(
      (await resolveIdentity(index, request({ session: { id: "a" }, profile: { id: "forged" } }))).profileId,
    ).toBe("new-1");
    index.registerProfile("known");
    expect(
      (await resolveIdentity(index, request({ session: { id: "b" }, profile: { id: "known" } }))).profileId,
    ).toBe("known");
    index.registerProfile("old");
    await index.alias("old", "survivor");
    const merged = await resolveIdentity(index, request({ session: { id: "c" }, profile: { id: "old" } }));
    expect(merged).toMatchObject({ profileId: "survivor", profileCreated: false, sessionCreated: true });
  });

  it("prefers the session's profile, following merges, and re-binds the session", async () => {
    const index = new MemoryIndex();
    index.registerProfile("p1");
    index.registerProfile("p2");
    index.bindSession("s", "p1");
    expect(
      (await resolveIdentity(index, request({ session: { id: "s" }, profile: { id: "p2" } }))).profileId,
    ).toBe("p1");
    await index.alias("p1", "p2");
    const after = await resolveIdentity(index, request({ session: { id: "s" } }));
    expect(after).toMatchObject({ profileId: "p2", sessionCreated: false });
    expect(index.sessions.get("s")).toBe("p2");
  });

  it("attaches a new profile to a session whose profile is gone", async () => {
    const index = new MemoryIndex();
    index.bindSession("s", "vanished");
    const result = await resolveIdentity(index, request({ session: { id: "s" } }));
    expect(result).toMatchObject({ profileId: "new-1", profileCreated: true, sessionCreated: false });
  });

  it("makes an artificial session when none is sent, kept only when the profile is new", async () => {
    const index = new MemoryIndex();
    index.registerProfile("known");
    const known = await resolveIdentity(index, request({ profile: { id: "known" } }));
    expect(known).toMatchObject({ profileId: "known", artificialSession: true, sessionCreated: false });
    expect(index.sessions.size).toBe(0);
    const fresh = await resolveIdentity(index, request({}));
    expect(fresh).toMatchObject({ profileCreated: true, sessionCreated: true, artificialSession: true });
    expect(index.sessions.size).toBe(1);
  });

  it("gives profile-less payloads no profile", async () => {
    const index = new MemoryIndex();
    const result = await resolveIdentity(
      index,
      request({ session: { id: "s" }, profile: { id: "x" } }, { profileLess: true }),
    );
    expect(result.profileId).toBeNull();
    expect(index.profiles.size).toBe(0);
  });

  it("trusts the given id for a static-profile-id source", async () => {
    const index = new MemoryIndex();
    const result = await resolveIdentity(
      index,
      request({ session: { id: "s" }, profile: { id: " crm-7 " } }, { staticProfileId: true }),
    );
    expect(result).toMatchObject({ profileId: "crm-7", profileCreated: true });
  });

  it("gives a session claimed first by a concurrent request that request's profile", async () => {
    const index = new MemoryIndex();
    index.registerProfile("theirs");
    // The other request binds the session while this one is deciding.
    const racing = Object.assign(Object.create(index) as MemoryIndex, {
      session: async () => {
        index.sessions.set("s", "theirs");
        return null;
      },
    });
    const result = await resolveIdentity(racing, request({ session: { id: "s" } }));
    expect(result).toEqual({
      profileId: "theirs",
      sessionId: "s",
      profileCreated: false,
      sessionCreated: false,
      artificialSession: false,
    });
    expect(index.sessions.get("s")).toBe("theirs");
  });
});
