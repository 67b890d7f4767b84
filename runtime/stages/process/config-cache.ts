import type { ConfigStore, EventToProfileMapping, EventTypeSchema } from "../../ports/store.js";

export interface ProcessingConfig {
  mappingsFor(eventType: string, sourceId: string): EventToProfileMapping[];
  schemasFor(eventType: string): EventTypeSchema[];
}

/**
 * Mappings and schemas, re-read at most every `ttlMs`. A failing read keeps serving the last good
 * copy (Tracardi #200: a config cache timeout must not fail ingestion).
 */
export class ConfigCache {
  private snapshot: { mappings: EventToProfileMapping[]; schemas: EventTypeSchema[] } | null = null;
  private loadedAt = 0;

  constructor(
    private readonly config: ConfigStore,
    private readonly ttlMs: number,
  ) {}

  invalidate(): void {
    this.loadedAt = 0;
  }

  async current(): Promise<ProcessingConfig> {
    const now = Date.now();
    if (this.snapshot === null || now - this.loadedAt >= this.ttlMs) {
      try {
        const [mappings, schemas] = await Promise.all([
          this.config.mappings.list(),
          this.config.schemas.list(),
        ]);
        this.snapshot = {
          mappings: mappings.filter((m) => m.enabled),
          schemas: schemas.filter((s) => s.enabled),
        };
        this.loadedAt = now;
      } catch (error) {
        if (this.snapshot === null) throw error;
      }
    }
    const { mappings, schemas } = this.snapshot ?? { mappings: [], schemas: [] };
    return {
      mappingsFor: (type, source) =>
        mappings.filter((m) => m.event_type === type && (m.source_id === null || m.source_id === source)),
      schemasFor: (type) => schemas.filter((s) => s.event_type === type),
    };
  }
}
