import { clone } from "../../domain/paths.js";
import type { Profile, Session } from "../../domain/types.js";
import { profileVersion, sessionVersion, type VersionedDoc } from "../../domain/versions.js";
import type { DataStore } from "../../ports/store.js";

/** Profile and session reads for the collector. */
export interface StateView {
  profile(id: string): Promise<Profile | null>;
  session(id: string): Promise<Session | null>;
}

interface Entry<T> {
  doc: T;
  seq: number;
  /** When it was remembered (ms). */
  at: number;
}

/**
 * Read-your-writes for the collector: documents it has handed to the storage stage are served from
 * here until they are stored, so the next payload of the same profile never starts from an older
 * copy. A storage stage in this process reports stored documents (`settle`); when storage runs in
 * another process, `sweep` drops the documents the store already holds exactly as remembered.
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
  remember(profile: Profile | null, session: Session | null, now = Date.now()): number {
    const seq = ++this.seq;
    if (profile) this.profiles.set(profile.id, { doc: profile, seq, at: now });
    if (session) this.sessions.set(session.id, { doc: session, seq, at: now });
    return seq;
  }

  /**
   * Drops documents remembered before `olderThan` (ms) that the store holds at their version or a
   * newer one (written by another worker); returns how many. A document the store does not hold yet
   * stays. Unversioned documents (written before versions) must be held unchanged.
   */
  async sweep(olderThan: number): Promise<number> {
    const stale = <T>(entries: Map<string, Entry<T>>) => [...entries].filter(([, e]) => e.at < olderThan);
    let dropped = 0;
    const check = async <T>(
      entries: Map<string, Entry<T>>,
      read: (id: string) => Promise<T | null>,
      version: (doc: T) => number,
    ) => {
      for (const [id, entry] of stale(entries)) {
        const stored = await read(id);
        const held =
          stored !== null &&
          (version(entry.doc) > 0
            ? version(stored) >= version(entry.doc)
            : // Compared as JSON: the store hands back what the storage stage wrote.
              JSON.stringify(stored) === JSON.stringify(entry.doc));
        if (held && entries.get(id) === entry) {
          entries.delete(id);
          dropped++;
        }
      }
    };
    await check(this.profiles, (id) => this.store.getProfile(id), profileVersion);
    await check(this.sessions, (id) => this.store.getSession(id), sessionVersion);
    return dropped;
  }

  /** A profile merged into another: its pending copy must not be served again. */
  forget(profileId: string): void {
    this.profiles.delete(profileId);
  }

  /** Another worker wrote a newer version of the document: the copy here is outdated. */
  forgetDoc(doc: VersionedDoc): void {
    const id = doc.slice(doc.indexOf(":") + 1);
    if (doc.startsWith("profile:")) this.profiles.delete(id);
    else this.sessions.delete(id);
  }

  settle(profileId: string | null, sessionId: string | null, seq: number): void {
    if (profileId !== null && this.profiles.get(profileId)?.seq === seq) this.profiles.delete(profileId);
    if (sessionId !== null && this.sessions.get(sessionId)?.seq === seq) this.sessions.delete(sessionId);
  }

  get size(): number {
    return this.profiles.size + this.sessions.size;
  }
}
