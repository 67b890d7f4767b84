import { describe, expect, it } from "vitest";
import { derivedId } from "../../domain/ids.js";
import { systemEvents } from "./system-events.js";

const base = {
  task: "t",
  eventTypes: ["page-view"],
  profileCreated: true,
  visitStarted: true,
  sessionCreated: true,
  saveSession: true,
  now: new Date("2026-01-01T00:00:10Z"),
};

describe("systemEvents", () => {
  it("emits profile-created, session-opened, visit-started in time order before the client events", () => {
    const events = systemEvents(base);
    expect(events.map((e) => e.type)).toEqual(["profile-created", "session-opened", "visit-started"]);
    expect(events.map((e) => e.time?.insert)).toEqual([
      "2026-01-01T00:00:07.000Z",
      "2026-01-01T00:00:08.000Z",
      "2026-01-01T00:00:09.000Z",
    ]);
    expect(events[2]?.properties).toEqual({ "trigger-event-types": ["page-view"] });
  });

  it("emits nothing when the payload ends the visit, and no session events when sessions are not saved", () => {
    expect(systemEvents({ ...base, eventTypes: ["visit-ended"] })).toEqual([]);
    expect(systemEvents({ ...base, saveSession: false }).map((e) => e.type)).toEqual(["profile-created"]);
  });

  it("derives the same ids for a redelivered payload, from the task", () => {
    expect(systemEvents(base).map((e) => e.id)).toEqual(systemEvents(base).map((e) => e.id));
    expect(systemEvents(base)[0]?.id).toBe(derivedId("t", "profile-created"));
  });
});
