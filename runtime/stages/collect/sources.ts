import type { BridgeType, EventSource } from "../../domain/types.js";
import type { ConfigCollection } from "../../ports/store.js";

export type SourceCheck = { ok: true; source: EventSource } | { ok: false; reason: string };

/** Source ids remembered at most; unknown ids sent by a client must not grow the cache without end. */
const CACHE_CAPACITY = 10_000;

/**
 * Source verification of tracardi.md §2.2, with a short in-process cache (Tracardi's
 * `SOURCE_CACHE_TTL`, 2 s) so the hot path does not read the configuration store per request. Ids
 * the store does not know are cached too (as null): a client repeating an unknown id costs one
 * lookup per TTL, not one per request.
 */
export class SourceVerifier {
  private readonly cache = new Map<string, { source: EventSource | null; until: number }>();

  constructor(
    private readonly sources: ConfigCollection<EventSource>,
    private readonly ttlMs: number,
  ) {}

  async verify(rawId: string, bridge: BridgeType): Promise<SourceCheck> {
    const id = rawId.trim();
    if (id.startsWith("@")) return { ok: false, reason: "Internal event sources are not allowed via API." };
    const source = await this.load(id);
    if (source === null) return { ok: false, reason: `Invalid event source \`${id}\`.` };
    if (!source.enabled) return { ok: false, reason: `Event source \`${id}\` is disabled.` };
    if (!source.type.includes(bridge)) {
      return {
        ok: false,
        reason: `Event source \`${id}\` accepts ${source.type.join(", ")} traffic, not ${bridge}.`,
      };
    }
    return { ok: true, source };
  }

  /** Called when this process changes a source, so its own changes apply at once. */
  forget(id: string): void {
    this.cache.delete(id);
  }

  private async load(id: string): Promise<EventSource | null> {
    const now = Date.now();
    const hit = this.cache.get(id);
    if (hit && hit.until > now) return hit.source;
    const source = await this.sources.get(id);
    this.cache.delete(id);
    this.cache.set(id, { source, until: now + this.ttlMs });
    if (this.cache.size > CACHE_CAPACITY) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    return source;
  }
}
