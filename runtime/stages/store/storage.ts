import type { DispatchMessage } from "../../domain/destination.js";
import type { StorageMessage } from "../../domain/messages.js";
import type { Profile, Session, TrackedEvent } from "../../domain/types.js";
import { profileVersion, sessionVersion } from "../../domain/versions.js";
import type { BatchHandler, Delivery, ForwardMessage, Outcome } from "../../ports/queue.js";
import type { DataStore, WriteBatch, WriteFailure } from "../../ports/store.js";

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
    const { profile, session } = message;
    // The highest version wins (versions of one document can arrive under two keys around a merge).
    if (profile && profileVersion(profile) >= profileVersion(profiles.get(profile.id) ?? null))
      profiles.set(profile.id, profile);
    if (session && sessionVersion(session) >= sessionVersion(sessions.get(session.id) ?? null))
      sessions.set(session.id, session);
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
  /** Called with the messages this batch dead-letters (they will not be stored). */
  onDeadLettered?: (messages: StorageMessage[]) => void;
}

/** Why a message cannot be stored: the first refused document it carries, if any. */
function refusalOf(message: StorageMessage, refused: Map<string, WriteFailure>): WriteFailure | undefined {
  const carried = [
    ...(message.profile ? [`profile:${message.profile.id}`] : []),
    ...(message.mergedProfiles ?? []).map((id) => `profile:${id}`),
    ...(message.session ? [`session:${message.session.id}`] : []),
    ...message.events.map((event) => `event:${event.id}`),
  ];
  for (const doc of carried) {
    const failure = refused.get(doc);
    if (failure) return failure;
  }
  return undefined;
}

function byDocument(failures: WriteFailure[]): Map<string, WriteFailure> {
  return new Map(failures.map((failure) => [`${failure.kind}:${failure.id}`, failure]));
}

const failed = (failure: WriteFailure): Outcome => {
  const reason = `${failure.kind} ${failure.id} was not stored: ${failure.reason}`;
  return failure.permanent ? { kind: "dead-letter", reason } : { kind: "retry", reason };
};

/**
 * Writes the batch as one folded write. Documents the store refused fail only the messages that carry
 * them: a refused profile (folded from several messages) may be the fault of any of its versions, so
 * from the first message carrying a refused document on, that key's messages are written again one by
 * one, in order; the first that still fails gets the store's reason and its key's later messages wait
 * (per-key order). Everything else is stored.
 */
async function storeIsolated(
  store: DataStore,
  batch: Delivery<StorageMessage>[],
): Promise<(Outcome | null)[]> {
  const results: (Outcome | null)[] = batch.map(() => null);
  const refused = byDocument(await store.write(foldBatch(batch.map((d) => d.body))));
  if (refused.size === 0) return results;
  const suspectKeys = new Set(batch.filter((d) => refusalOf(d.body, refused)).map((d) => d.key));
  const redo = new Set<string>();
  const stopped = new Set<string>();
  for (const [index, delivery] of batch.entries()) {
    if (!suspectKeys.has(delivery.key)) continue;
    if (stopped.has(delivery.key)) {
      results[index] = { kind: "defer" };
      continue;
    }
    if (!redo.has(delivery.key) && !refusalOf(delivery.body, refused)) continue;
    redo.add(delivery.key);
    const alone = byDocument(await store.write(foldBatch([delivery.body])));
    const failure = refusalOf(delivery.body, alone);
    if (failure) {
      results[index] = failed(failure);
      stopped.add(delivery.key);
    }
  }
  return results;
}

/** Deliveries as messages on topic "dispatch", keyed by destination and profile (or event). */
export function dispatchForwards(deliveries: DispatchMessage[]): ForwardMessage[] {
  return deliveries.map((body) => ({
    topic: "dispatch",
    key: `${body.destinationId}:${body.profileId ?? body.eventId ?? ""}`,
    body,
  }));
}

/**
 * Queue handler of the storage stage: one bulk upsert per batch, then ack (and dispatch); a message
 * whose documents the store refuses is retried or dead-lettered alone with the store's reason.
 */
export function storageStage(deps: StorageStageDeps): BatchHandler<StorageMessage> {
  return async (batch: Delivery<StorageMessage>[]): Promise<Outcome[]> => {
    const results = await storeIsolated(deps.store, batch);
    const stored = batch.filter((_, index) => results[index] === null).map((d) => d.body);
    if (stored.length > 0) deps.onStored?.(stored);
    const dropped = batch.filter((_, index) => results[index]?.kind === "dead-letter").map((d) => d.body);
    if (dropped.length > 0) deps.onDeadLettered?.(dropped);
    const outcomes: Outcome[] = [];
    for (const [index, delivery] of batch.entries()) {
      const result = results[index];
      if (result) {
        outcomes.push(result);
        continue;
      }
      const deliveries = deps.plan ? await deps.plan(delivery.body) : [];
      outcomes.push({ kind: "ack", forward: dispatchForwards(deliveries) });
    }
    return outcomes;
  };
}
