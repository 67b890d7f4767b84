import { describe, expect, it } from "vitest";
import type { EventSource } from "../../domain/types.js";
import type { ConfigCollection } from "../../ports/store.js";
import { SourceVerifier } from "./sources.js";

const site: EventSource = {
  id: "site",
  name: "Site",
  description: "",
  type: ["rest"],
  channel: "Web",
  enabled: true,
  transitional: false,
  tags: [],
  config: {},
  timestamp: "2024-01-01T00:00:00.000Z",
};

function countingCollection(docs: EventSource[]) {
  const lookups: string[] = [];
  const collection: ConfigCollection<EventSource> = {
    get: async (id) => {
      lookups.push(id);
      return docs.find((d) => d.id === id) ?? null;
    },
    list: async () => docs,
    put: async (doc) => doc,
    delete: async () => false,
  };
  return { collection, lookups };
}

describe("source verification", () => {
  it("looks an unknown id up once per TTL, not once per request", async () => {
    const { collection, lookups } = countingCollection([site]);
    const verifier = new SourceVerifier(collection, 60_000);
    for (let i = 0; i < 5; i++) {
      expect(await verifier.verify("nowhere", "rest")).toEqual({
        ok: false,
        reason: "Invalid event source `nowhere`.",
      });
    }
    expect(await verifier.verify("site", "rest")).toMatchObject({ ok: true });
    expect(await verifier.verify("site", "rest")).toMatchObject({ ok: true });
    expect(lookups).toEqual(["nowhere", "site"]);
  });

  it("looks an unknown id up again once it expired or this process changed that source", async () => {
    const { collection, lookups } = countingCollection([]);
    const verifier = new SourceVerifier(collection, 0);
    await verifier.verify("nowhere", "rest");
    await new Promise((resolve) => setTimeout(resolve, 2));
    await verifier.verify("nowhere", "rest");
    const cached = new SourceVerifier(collection, 60_000);
    await cached.verify("later", "rest");
    cached.forget("later");
    await cached.verify("later", "rest");
    expect(lookups).toEqual(["nowhere", "nowhere", "later", "later"]);
  });
});
