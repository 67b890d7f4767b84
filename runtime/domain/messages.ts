import type { Profile, Session, TrackedEvent } from "./types.js";

/** What the collector stage hands the storage stage (topic "storage") for one payload. */
export interface StorageMessage {
  task: string;
  profile: Profile | null;
  session: Session | null;
  events: TrackedEvent[];
  /** Profile fields this payload changed; profile destinations are sent these. */
  changedFields: string[];
  /** Read-your-writes token of the collector that produced it (see PendingState). */
  stateSeq: number;
  /** Profiles merged into `profile`: storage moves their events and sessions, then deletes them. */
  mergedProfiles?: string[];
}

/** Asks the collector to merge a profile marked for merging with the profiles sharing its merge ids. */
export interface MergeCommand {
  kind: "merge";
  profileId: string;
  /** Names this command (its storage message's task, so its deliveries are its own). */
  task?: string;
  /** A forced merge (`POST /api/v1/merge {"profiles": [...]}`): exactly these profiles, no rails. */
  profiles?: string[];
}
