import { describe, expect, it } from "vitest";
import { derivedId } from "./ids.js";
import { type AcceptedPayload, normalisedPayload } from "./payload.js";

const message = (events: AcceptedPayload["payload"]["events"]): AcceptedPayload => ({
  task: "task-1",
  receivedAt: "2026-01-01T00:00:00.000Z",
  source: { id: "web", channel: "Web", transitional: false },
  identity: {
    profileId: "p",
    sessionId: "s",
    profileCreated: false,
    sessionCreated: false,
    artificialSession: false,
  },
  payload: { source: { id: " web " }, events },
  request: { ip: null, headers: {} },
});

describe("normalisedPayload", () => {
  it("takes the verified source id, normalises event types and keeps ids the client sent", () => {
    const payload = normalisedPayload(message([{ type: " Page  View", id: " e1 " }]));
    expect(payload.source).toEqual({ id: "web" });
    expect(payload.events).toEqual([{ type: "page-view", id: "e1" }]);
  });

  it("gives events without an id the same uuid on every delivery, a different one per event", () => {
    const events = () => [{ type: "a" }, { type: "b", id: "  " }];
    const first = normalisedPayload(message(events())).events.map((e) => e.id);
    const again = normalisedPayload(message(events())).events.map((e) => e.id);
    expect(first).toEqual(again);
    expect(new Set(first).size).toBe(2);
    expect(first).toEqual([derivedId("task-1", "event-0"), derivedId("task-1", "event-1")]);
  });

  it("leaves the queued message as it was", () => {
    const queued = message([{ type: "Page View" }]);
    normalisedPayload(queued);
    expect(queued.payload.events).toEqual([{ type: "Page View" }]);
  });
});
