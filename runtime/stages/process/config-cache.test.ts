import { describe, expect, it } from "vitest";
import type { ConfigStore } from "../../ports/store.js";
import { ConfigCache } from "./config-cache.js";

/** A configuration store with nothing configured, counting how often destinations are read. */
function emptyStore(): { store: ConfigStore; reads: () => number } {
  let reads = 0;
  const empty = <T>() => ({ list: async (): Promise<T[]> => [] });
  const store = {
    mappings: empty(),
    schemas: empty(),
    resources: empty(),
    rules: empty(),
    flows: empty(),
    destinations: {
      list: async () => {
        reads++;
        return [];
      },
    },
  } as unknown as ConfigStore;
  return { store, reads: () => reads };
}

describe("ConfigCache", () => {
  it("reads again once the TTL has passed", async () => {
    const { store, reads } = emptyStore();
    const cache = new ConfigCache(store, 1000);
    await cache.current();
    await cache.current();
    expect(reads()).toBe(1);
    const read = Date.now();
    while (Date.now() - read < 1010) await new Promise((r) => setTimeout(r, 20));
    await cache.current();
    expect(reads()).toBe(2);
  });

  it("serves the copy a batch read while that batch settles, past one TTL; not once invalidated", async () => {
    const { store } = emptyStore();
    const cache = new ConfigCache(store, 1000);
    expect(cache.fresh()).toBeNull();
    const view = await cache.current();
    const now = Date.now();
    // A batch that started just before the TTL ran out settles just after it.
    expect(cache.fresh(now + 1200)).toBe(view);
    expect(cache.fresh(now + 2100)).toBeNull();
    cache.invalidate();
    expect(cache.fresh(now)).toBeNull();
  });
});
