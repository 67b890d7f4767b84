import { describe, expect, it } from "vitest";
import type { Destination } from "../../domain/destination.js";
import { deliveryId } from "../../domain/event-ids.js";
import type { StorageMessage } from "../../domain/messages.js";
import { buildEvent } from "../process/event.js";
import { newProfile } from "../process/profile.js";
import { planDispatch } from "./plan.js";
import { renderTemplate } from "./template.js";

const NOW = new Date("2026-01-01T00:00:00Z");

function destination(extra: Partial<Destination>): Destination {
  return {
    id: "d",
    name: "d",
    enabled: true,
    resource: { id: "r" },
    on_profile_change_only: false,
    source: null,
    event_type: null,
    condition: null,
    mapping: { type: "event@type", email: "profile@data.contact.email.main" },
    destination: {
      type: "webhook",
      init: { method: "POST", headers: {}, timeout_ms: 1000, max_attempts: 3 },
    },
    ...extra,
  };
}

function message(types: string[], changedFields: string[] = []): StorageMessage {
  const profile = newProfile("p", NOW);
  profile.data = { contact: { email: { main: "a@b.c" } } };
  const events = types.map((type, i) =>
    buildEvent({
      payload: { id: `e${i}`, type, properties: { n: i } },
      sourceId: "web",
      channel: null,
      session: null,
      profileId: "p",
      profileLess: false,
      context: {},
      request: { ip: null, headers: {} },
      receivedAt: NOW.toISOString(),
      now: NOW,
    }),
  );
  return { task: "t", profile, session: null, events, changedFields, stateSeq: 1 };
}

const always = () => true;

describe("planDispatch", () => {
  it("matches event destinations on source and type, and renders the mapping", () => {
    const planned = planDispatch(
      message(["buy", "view"]),
      [
        destination({ source: { id: "web" }, event_type: { id: "buy" } }),
        destination({ id: "other", source: { id: "app" } }),
      ],
      always,
    );
    expect(planned).toEqual([
      {
        deliveryId: deliveryId("t", "d", "event:e0"),
        destinationId: "d",
        kind: "event",
        profileId: "p",
        eventId: "e0",
        body: { data: { type: "buy", email: "a@b.c" }, changes: [] },
      },
    ]);
  });

  it("skips invalid events, disabled destinations and failed conditions", () => {
    const m = message(["buy", "buy"]);
    (m.events[0] as { metadata: { valid: boolean } }).metadata.valid = false;
    expect(planDispatch(m, [destination({ enabled: false })], always)).toEqual([]);
    expect(planDispatch(m, [destination({ condition: "x" })], () => false)).toEqual([]);
    expect(planDispatch(m, [destination({})], always).map((d) => d.eventId)).toEqual(["e1"]);
  });

  it("sends profile destinations only when the profile changed, with the changed fields", () => {
    const profileDestination = destination({ on_profile_change_only: true, mapping: { id: "profile@id" } });
    expect(planDispatch(message(["buy"]), [profileDestination], always)).toEqual([]);
    expect(planDispatch(message(["buy"], ["traits.a"]), [profileDestination], always)).toEqual([
      {
        deliveryId: deliveryId("t", "d", "profile"),
        destinationId: "d",
        kind: "profile",
        profileId: "p",
        eventId: null,
        body: { data: { id: "p" }, changes: ["traits.a"] },
      },
    ]);
  });
});

describe("renderTemplate", () => {
  const scope = { profile: { traits: { n: 3, tags: ["a"] } }, session: null, event: { type: "buy" } };

  it("replaces whole references with values of any type and interpolates placeholders as text", () => {
    expect(
      renderTemplate(
        { n: "profile@traits.n", tags: "profile@traits.tags", text: "{{event@type}} x{{profile@traits.n}}" },
        scope,
      ),
    ).toEqual({
      n: 3,
      tags: ["a"],
      text: "buy x3",
    });
  });

  it("renders missing values as null, or nothing inside text, and copies everything else", () => {
    expect(renderTemplate(["session@id", "id: {{session@id}}", 7, true, null, "plain"], scope)).toEqual([
      null,
      "id: ",
      7,
      true,
      null,
      "plain",
    ]);
  });
});
