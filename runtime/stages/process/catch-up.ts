import type { Profile, Session } from "../../domain/types.js";
import { profileVersion, sessionVersion, type VersionConflict } from "../../domain/versions.js";
import type { DataStore, IdentityIndex } from "../../ports/store.js";

export interface CatchUpDeps {
  store: DataStore;
  identity: IdentityIndex;
  /** Messages on the storage topic not stored yet; absent: a claim is never taken as abandoned. */
  storageBacklog?: () => Promise<number>;
  /** How long to wait at most. */
  waitMs: number;
  /** How long after a claim its forward is surely on the storage topic (a live worker publishes at once). */
  abandonAfterMs: number;
  log?: (line: string) => void;
  /** Aborted when the process stops: waiting ends at once. */
  shutdown?: AbortSignal;
}

const POLL_MS = 25;
const BACKLOG_EVERY_MS = 250;

/**
 * After a refused version claim: resolves once the store holds each conflicting document at the
 * newest claimed version (or a profile was merged into another, so its payloads now go to the
 * survivor), or after `waitMs`. A claim made by `task` itself (a redelivery whose first attempt
 * claimed) needs only the version that attempt built on: the claim rule lets the task claim it again.
 *
 * A claim whose forward never reached storage (its worker was killed between claim and forward, or
 * storage dead-lettered it) would be waited for forever. Every forward stays on the storage topic
 * until stored, and a live worker publishes it within `abandonAfterMs` of its claim, so once the
 * topic is read empty that long after the wait began (the claims were made before it), everything
 * they forwarded has been stored: a version the store still lacks can never arrive, and its claim is
 * released back to the stored one. Empty reads settle every conflict of the call: waiting for
 * the topic to stay empty for a while would be reset by each forward of the other waiting workers,
 * which then take turns, a window each.
 */
export async function storeCaughtUp(
  conflicts: VersionConflict[],
  task: string | undefined,
  deps: CatchUpDeps,
): Promise<void> {
  const began = Date.now();
  const deadline = began + deps.waitMs;
  let backlogCheckedAt = 0;
  /**
   * Empty reads of the storage topic in a row, `abandonAfterMs` or more after the wait began. Two: a
   * message moving to the retry topic (published there, then acknowledged) can read as on neither.
   */
  let emptyReads = 0;
  for (const conflict of conflicts) {
    const { doc, version } = conflict;
    const id = doc.slice(doc.indexOf(":") + 1);
    const isProfile = doc.startsWith("profile:");
    const target = conflict.task !== undefined && conflict.task === task ? version - 1 : version;
    const held = async () => {
      const stored = isProfile ? await deps.store.getProfile(id) : await deps.store.getSession(id);
      return isProfile ? profileVersion(stored as Profile | null) : sessionVersion(stored as Session | null);
    };
    for (;;) {
      if (deps.shutdown?.aborted) return;
      if (isProfile && ((await deps.identity.resolveProfile(id)) ?? id) !== id) break;
      if ((await held()) >= target) break;
      const now = Date.now();
      if (now >= deadline) {
        deps.log?.(`collector: the store does not hold ${doc} version ${target} after ${deps.waitMs} ms`);
        return;
      }
      if (
        emptyReads < 2 &&
        deps.storageBacklog &&
        now - began >= deps.abandonAfterMs &&
        now - backlogCheckedAt >= BACKLOG_EVERY_MS
      ) {
        backlogCheckedAt = now;
        emptyReads = (await deps.storageBacklog()) === 0 ? emptyReads + 1 : 0;
      }
      if (emptyReads >= 2) {
        // Read after the empty topic: the store holds everything forwarded before it.
        const stored = await held();
        if (stored < target && (await deps.identity.releaseVersion(doc, version, stored))) {
          deps.log?.(
            `collector: ${doc} version ${version} was claimed but never stored; released back to version ${stored}`,
          );
        }
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
}
