import type { Profile, Session } from "./types.js";

/**
 * Versioned documents. Every profile and session a collector forwards carries a version one above
 * the version it was built on, and before forwarding, the collector claims that step in the identity
 * index (`IdentityIndex.claimVersions`), which holds the newest claimed version of every document,
 * for every process. A claim succeeds only on the newest version, so a collector that built on an
 * older copy (its own cache, or a store that has not caught up) finds out before anything leaves it,
 * waits until the store holds the newest version and processes again.
 */

/** A document in the version index: `profile:<id>` or `session:<id>`. */
export type VersionedDoc = `profile:${string}` | `session:${string}`;

/** "I built version `from + 1` of `doc` on version `from`, for `task`". */
export interface VersionClaim {
  doc: VersionedDoc;
  from: number;
  task: string;
}

/** A claim refused: `version` is the newest version claimed for the document (by `task`). */
export interface VersionConflict {
  doc: VersionedDoc;
  version: number;
  task?: string;
}

/** The newest claim of a document in the index. */
export interface VersionRow {
  version: number;
  task: string;
}

/**
 * Whether a claim may take the document: it was built on the newest version, or it is the same task
 * claiming the same step again (a redelivered payload whose first forward may not have gone out).
 */
export function claimAllowed(row: VersionRow | null, claim: VersionClaim): boolean {
  const current = row?.version ?? 0;
  return current === claim.from || (current === claim.from + 1 && row?.task === claim.task);
}

export const profileDoc = (id: string): VersionedDoc => `profile:${id}`;
export const sessionDoc = (id: string): VersionedDoc => `session:${id}`;

export function profileVersion(profile: Profile | null): number {
  return profile?.metadata.system.aux.version ?? 0;
}

export function sessionVersion(session: Session | null): number {
  return session?.metadata.version ?? 0;
}

/** Stamps the next version on the profile; returns the claim for it. */
export function nextProfileVersion(
  profile: Profile,
  task: string,
  from = profileVersion(profile),
): VersionClaim {
  profile.metadata.system.aux.version = from + 1;
  return { doc: profileDoc(profile.id), from, task };
}

/** Stamps the next version on the session; returns the claim for it. */
export function nextSessionVersion(session: Session, task: string): VersionClaim {
  const from = sessionVersion(session);
  session.metadata.version = from + 1;
  return { doc: sessionDoc(session.id), from, task };
}

/** Whether `stored` holds version `version` of its document or a newer one. */
export function storedReaches(stored: Profile | Session | null, doc: VersionedDoc, version: number): boolean {
  if (stored === null) return version === 0;
  const held = doc.startsWith("profile:")
    ? profileVersion(stored as Profile)
    : sessionVersion(stored as Session);
  return held >= version;
}
