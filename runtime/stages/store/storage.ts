import type { DispatchMessage } from "../../domain/destination.js";
import type { StorageMessage } from "../../domain/messages.js";
import type { Profile, Session, TrackedEvent } from "../../domain/types.js";
import type { BatchHandler, Delivery, ForwardMessage, Outcome } from "../../ports/queue.js";
import type { DataStore, WriteBatch } from "../../ports/store.js";

/**
 * Folds a batch of storage messages into one write. Later versions of a profile or session replace
 * earlier ones in the same batch, so each document is written once, at its newest state.
 */
export function foldBatch(messages: StorageMessage[]): WriteBatch {
  const profiles = new Map<string, Profile>();
  const sessions = new Map<string, Session>();
  const events = new Map<string, TrackedEvent>();
  const merged: { from: string; to: string }[] = [];
  for (const message of messages) {
    if (message.profile) profiles.set(message.profile.id, message.profile);
    if (message.session) sessions.set(message.session.id, message.session);
    for (const event of message.events) events.set(event.id, event);
    for (const from of message.mergedProfiles ?? []) {
      profiles.delete(from);
      if (message.profile) merged.push({ from, to: message.profile.id });
    }
  }
  return {
    profiles: [...profiles.values()],
    sessions: [...sessions.values()],
    events: [...events.values()],
    merged,
  };
}

export interface StorageStageDeps {
  store: DataStore;
  /** Deliveries a stored payload causes (destinations); forwarded to topic "dispatch" with the ack. */
  plan?: (message: StorageMessage) => Promise<DispatchMessage[]>;
  /** Called after a batch is stored (the collector's read-your-writes cache listens). */
  onStored?: (messages: StorageMessage[]) => void;
}

/** Queue handler of the storage stage: one bulk upsert per batch, then ack (and dispatch). */
export function storageStage(deps: StorageStageDeps): BatchHandler<StorageMessage> {
  return async (batch: Delivery<StorageMessage>[]): Promise<Outcome[]> => {
    const messages = batch.map((d) => d.body);
    await deps.store.write(foldBatch(messages));
    deps.onStored?.(messages);
    const outcomes: Outcome[] = [];
    for (const message of messages) {
      const deliveries = deps.plan ? await deps.plan(message) : [];
      const forward: ForwardMessage[] = deliveries.map((body) => ({
        topic: "dispatch",
        key: `${body.destinationId}:${body.profileId ?? body.eventId ?? ""}`,
        body,
      }));
      outcomes.push({ kind: "ack", forward });
    }
    return outcomes;
  };
}
