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
  /** How long storage must be idle, the store below a claimed version, before the claim counts as abandoned. */
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
 * until stored, so when the topic has been empty for `abandonAfterMs` while the store is still below
 * the claimed version, that version can never arrive: the claim is released back to the stored one.
 */
export async function storeCaughtUp(
  conflicts: VersionConflict[],
  task: string | undefined,
  deps: CatchUpDeps,
): Promise<void> {
  const deadline = Date.now() + deps.waitMs;
  for (const conflict of conflicts) {
    const { doc, version } = conflict;
    const id = doc.slice(doc.indexOf(":") + 1);
    const isProfile = doc.startsWith("profile:");
    const target = conflict.task !== undefined && conflict.task === task ? version - 1 : version;
    const held = async () => {
      const stored = isProfile ? await deps.store.getProfile(id) : await deps.store.getSession(id);
      return isProfile ? profileVersion(stored as Profile | null) : sessionVersion(stored as Session | null);
    };
    let idleSince: number | null = null;
    let backlogCheckedAt = 0;
    for (;;) {
      if (deps.shutdown?.aborted) return;
      if (isProfile && ((await deps.identity.resolveProfile(id)) ?? id) !== id) break;
      if ((await held()) >= target) break;
      const now = Date.now();
      if (now >= deadline) {
        deps.log?.(`collector: the store does not hold ${doc} version ${target} after ${deps.waitMs} ms`);
        return;
      }
      if (deps.storageBacklog && now - backlogCheckedAt >= BACKLOG_EVERY_MS) {
        backlogCheckedAt = now;
        idleSince = (await deps.storageBacklog()) === 0 ? (idleSince ?? now) : null;
        if (idleSince !== null && now - idleSince >= deps.abandonAfterMs) {
          const stored = await held();
          if (stored < target && (await deps.identity.releaseVersion(doc, version, stored))) {
            deps.log?.(
              `collector: ${doc} version ${version} was claimed but never stored; released back to version ${stored}`,
            );
          }
          break;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
}
