import { describe, expect, it } from "vitest";
import type { StorageMessage } from "../../domain/messages.js";
import type { Profile, TrackedEvent } from "../../domain/types.js";
import type { Delivery } from "../../ports/queue.js";
import type { DataStore, WriteBatch, WriteFailure } from "../../ports/store.js";
import { storageStage } from "./storage.js";

/** A store that refuses profiles with `traits.bad` and events whose id starts with "bad". */
function refusingStore(written: WriteBatch[]): DataStore {
  const write = async (batch: WriteBatch): Promise<WriteFailure[]> => {
    written.push(batch);
    return [
      ...batch.profiles
        .filter((p) => p.traits.bad !== undefined)
        .map((p): WriteFailure => ({ kind: "profile", id: p.id, reason: "bad trait", permanent: true })),
      ...batch.events
        .filter((e) => e.id.startsWith("bad"))
        .map(
          (e): WriteFailure => ({
            kind: "event",
            id: e.id,
            reason: "bad event",
            permanent: e.id !== "bad-busy",
          }),
        ),
    ];
  };
  return { write } as unknown as DataStore;
}

const profile = (id: string, traits: Record<string, string> = {}) =>
  ({ id, traits, metadata: { system: { aux: {} } } }) as unknown as Profile;
const eventOf = (id: string) => ({ id }) as TrackedEvent;

function delivery(key: string, message: Partial<StorageMessage>): Delivery<StorageMessage> {
  const body: StorageMessage = {
    task: key,
    profile: null,
    session: null,
    events: [],
    changedFields: [],
    stateSeq: 0,
    ...message,
  };
  return { id: key, topic: "storage", key, body, attempt: 1 };
}

describe("storageStage", () => {
  it("fails only the message carrying a refused event, with the store's reason", async () => {
    const written: WriteBatch[] = [];
    const stored: string[] = [];
    const dropped: string[] = [];
    const handle = storageStage({
      store: refusingStore(written),
      onStored: (messages) => stored.push(...messages.map((m) => m.task)),
      onDeadLettered: (messages) => dropped.push(...messages.map((m) => m.task)),
    });
    const outcomes = await handle([
      delivery("a", { events: [eventOf("e1")] }),
      delivery("b", { events: [eventOf("bad-1")] }),
      delivery("c", { events: [eventOf("busy"), eventOf("bad-busy")] }),
      delivery("d", { events: [eventOf("e2")] }),
    ]);
    expect(outcomes).toEqual([
      { kind: "ack", forward: [] },
      { kind: "dead-letter", reason: "event bad-1 was not stored: bad event" },
      { kind: "retry", reason: "event bad-busy was not stored: bad event" },
      { kind: "ack", forward: [] },
    ]);
    expect(stored).toEqual(["a", "d"]);
    expect(dropped).toEqual(["b"]);
  });

  it("writes a refused profile's messages again one by one, failing the first that fails alone", async () => {
    const written: WriteBatch[] = [];
    const handle = storageStage({ store: refusingStore(written) });
    const outcomes = await handle([
      delivery("p", { profile: profile("p"), events: [eventOf("e1")] }),
      delivery("q", { profile: profile("q"), events: [eventOf("e2")] }),
      delivery("p", { profile: profile("p"), events: [eventOf("e3")] }),
      delivery("p", { profile: profile("p", { bad: "x" }), events: [eventOf("e4")] }),
      delivery("p", { profile: profile("p", { bad: "y" }), events: [eventOf("e5")] }),
    ]);
    // The folded write refused p (its newest version): p's messages are written alone, in order; the
    // first two are fine, the third fails, the fourth waits behind it.
    expect(outcomes.map((o) => o.kind)).toEqual(["ack", "ack", "ack", "dead-letter", "defer"]);
    expect(outcomes[3]).toEqual({ kind: "dead-letter", reason: "profile p was not stored: bad trait" });
    expect(written.slice(1).map((batch) => batch.events.map((e) => e.id))).toEqual([["e1"], ["e3"], ["e4"]]);
  });
});
