import { clone } from "../../domain/paths.js";
import type { Profile, Session } from "../../domain/types.js";
import type { DataStore } from "../../ports/store.js";

/** Profile and session reads for the collector. */
export interface StateView {
  profile(id: string): Promise<Profile | null>;
  session(id: string): Promise<Session | null>;
}

interface Entry<T> {
  doc: T;
  seq: number;
}

/**
 * Read-your-writes for the collector: documents it has handed to the storage stage are served from
 * here until the storage stage reports them stored, so the next payload of the same profile never
 * starts from an older copy.
 */
export class PendingState implements StateView {
  private readonly profiles = new Map<string, Entry<Profile>>();
  private readonly sessions = new Map<string, Entry<Session>>();
  private seq = 0;

  constructor(private readonly store: DataStore) {}

  async profile(id: string): Promise<Profile | null> {
    const pending = this.profiles.get(id);
    return pending ? clone(pending.doc) : this.store.getProfile(id);
  }

  async session(id: string): Promise<Session | null> {
    const pending = this.sessions.get(id);
    return pending ? clone(pending.doc) : this.store.getSession(id);
  }

  /** Returns the sequence number to hand back to `settle` once stored. */
  remember(profile: Profile | null, session: Session | null): number {
    const seq = ++this.seq;
    if (profile) this.profiles.set(profile.id, { doc: profile, seq });
    if (session) this.sessions.set(session.id, { doc: session, seq });
    return seq;
  }

  /** A profile merged into another: its pending copy must not be served again. */
  forget(profileId: string): void {
    this.profiles.delete(profileId);
  }

  settle(profileId: string | null, sessionId: string | null, seq: number): void {
    if (profileId !== null && this.profiles.get(profileId)?.seq === seq) this.profiles.delete(profileId);
    if (sessionId !== null && this.sessions.get(sessionId)?.seq === seq) this.sessions.delete(sessionId);
  }

  get size(): number {
    return this.profiles.size + this.sessions.size;
  }
}
