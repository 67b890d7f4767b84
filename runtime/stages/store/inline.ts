import type { DispatchMessage } from "../../domain/destination.js";
import type { StorageMessage } from "../../domain/messages.js";
import type { ForwardMessage, OutgoingMessage } from "../../ports/queue.js";
import type { WriteBatch, WriteFailure } from "../../ports/store.js";
import { dispatchForwards, foldBatch } from "./storage.js";

export interface InlineStorageDeps {
  /** Writes synchronously, inside the settling transaction (the embedded store on the queue's connection). */
  write: (batch: WriteBatch) => WriteFailure[];
  /** Deliveries of a stored message; null when they cannot be planned now (no configuration read yet). */
  plan: (message: StorageMessage) => DispatchMessage[] | null;
  /** After the commit: what the storage stage reports for a stored batch. */
  onStored: (messages: StorageMessage[]) => void;
}

/**
 * The storage stage run inside the collector's settling transaction, in a standalone process (the
 * collector, storage and the store share one SQLite connection): a payload's documents are written
 * in the transaction that acks it, with the deliveries they cause, instead of being queued on topic
 * "storage", read back and parsed. What it does not take is queued and stored by the storage stage
 * as before: merges (they move events and sessions), messages whose deliveries cannot be planned
 * now, and a message with a document the store refuses (the storage stage retries or dead-letters
 * it alone, with the store's reason).
 */
export function inlineStorage(deps: InlineStorageDeps) {
  return {
    take(outgoing: OutgoingMessage): { forward: ForwardMessage[]; committed: () => void } | null {
      const message = outgoing.body as StorageMessage;
      if (message.mergedProfiles?.length) return null;
      const deliveries = deps.plan(message);
      if (deliveries === null) return null;
      const refused = deps.write(foldBatch([message]));
      if (refused.length > 0) throw new Error("a document was refused: the storage stage handles it");
      return { forward: dispatchForwards(deliveries), committed: () => deps.onStored([message]) };
    },
    weight(outgoing: OutgoingMessage): number {
      const message = outgoing.body as StorageMessage;
      return message.events.length + (message.profile ? 1 : 0) + (message.session ? 1 : 0);
    },
  };
}
