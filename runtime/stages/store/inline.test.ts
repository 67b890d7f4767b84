import { describe, expect, it } from "vitest";
import type { DispatchMessage } from "../../domain/destination.js";
import type { StorageMessage } from "../../domain/messages.js";
import type { Profile, TrackedEvent } from "../../domain/types.js";
import type { WriteBatch } from "../../ports/store.js";
import { inlineStorage } from "./inline.js";

const message = (extra: Partial<StorageMessage> = {}): StorageMessage => ({
  task: "t1",
  profile: { id: "p1", metadata: { system: { aux: {} } } } as unknown as Profile,
  session: null,
  events: [{ id: "e1" } as TrackedEvent, { id: "e2" } as TrackedEvent],
  changedFields: [],
  stateSeq: 1,
  ...extra,
});

const delivery = { deliveryId: "d1", destinationId: "hook", profileId: "p1" } as DispatchMessage;

describe("inlineStorage", () => {
  it("writes a payload's documents, forwards its deliveries, and reports it stored only once committed", () => {
    const written: WriteBatch[] = [];
    const stored: StorageMessage[] = [];
    const consumer = inlineStorage({
      write: (batch) => (written.push(batch), []),
      plan: () => [delivery],
      onStored: (messages) => stored.push(...messages),
    });
    const taken = consumer.take({ key: "p1", body: message() });
    expect(written[0]?.events.map((e) => e.id)).toEqual(["e1", "e2"]);
    expect(taken?.forward).toEqual([{ topic: "dispatch", key: "hook:p1", body: delivery }]);
    expect(stored).toEqual([]);
    taken?.committed();
    expect(stored.map((m) => m.task)).toEqual(["t1"]);
    expect(consumer.weight({ key: "p1", body: message() })).toBe(3);
  });

  it("leaves merges and messages it cannot plan now to the storage stage", () => {
    const written: WriteBatch[] = [];
    const consumer = inlineStorage({
      write: (batch) => (written.push(batch), []),
      plan: (m) => (m.task === "stale" ? null : []),
      onStored: () => {},
    });
    expect(consumer.take({ key: "p1", body: message({ mergedProfiles: ["p2"] }) })).toBeNull();
    expect(consumer.take({ key: "p1", body: message({ task: "stale" }) })).toBeNull();
    expect(written).toEqual([]);
  });

  it("throws when the store refuses a document, so its writes are undone and the message queued", () => {
    const consumer = inlineStorage({
      write: () => [{ kind: "event", id: "e2", reason: "bad", permanent: true }],
      plan: () => [],
      onStored: () => {},
    });
    expect(() => consumer.take({ key: "p1", body: message() })).toThrow(/refused/);
  });
});
