import type { Destination, Resource } from "../../domain/destination.js";
import type { ConfigStore, EventToProfileMapping, EventTypeSchema, StoredRule } from "../../ports/store.js";
import { type CompiledFlow, compileFlow, matchRules, type WorkflowJob } from "../workflow/index.js";

export interface ProcessingConfig {
  mappingsFor(eventType: string, sourceId: string): EventToProfileMapping[];
  schemasFor(eventType: string): EventTypeSchema[];
  destinations: Destination[];
  resource(id: string): Resource | null;
  destination(id: string): Destination | null;
  /** Flows of the enabled rules for (source, event type), compiled, in rule order. */
  workflowsFor(sourceId: string, eventType: string): WorkflowJob[];
}

interface Snapshot {
  mappings: EventToProfileMapping[];
  schemas: EventTypeSchema[];
  destinations: Destination[];
  resources: Resource[];
  rules: StoredRule[];
  flows: Map<string, CompiledFlow>;
}

/**
 * Mappings and schemas, re-read at most every `ttlMs`. A failing read keeps serving the last good
 * copy (Tracardi #200: a config cache timeout must not fail ingestion).
 */
export class ConfigCache {
  private snapshot: Snapshot | null = null;
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
        const [mappings, schemas, destinations, resources] = await Promise.all([
          this.config.mappings.list(),
          this.config.schemas.list(),
          this.config.destinations.list(),
          this.config.resources.list(),
        ]);
        const [rules, flows] = await Promise.all([this.config.rules.list(), this.config.flows.list()]);
        this.snapshot = {
          mappings: mappings.filter((m) => m.enabled),
          schemas: schemas.filter((s) => s.enabled),
          destinations,
          resources,
          rules: rules.filter((r) => r.enabled),
          flows: compileAll(flows),
        };
        this.loadedAt = now;
      } catch (error) {
        if (this.snapshot === null) throw error;
      }
    }
    const { mappings, schemas, destinations, resources, rules, flows } = this.snapshot ?? {
      mappings: [],
      schemas: [],
      destinations: [],
      resources: [],
      rules: [],
      flows: new Map<string, CompiledFlow>(),
    };
    return {
      mappingsFor: (type, source) =>
        mappings.filter((m) => m.event_type === type && (m.source_id === null || m.source_id === source)),
      schemasFor: (type) => schemas.filter((s) => s.event_type === type),
      destinations,
      resource: (id) => resources.find((r) => r.id === id) ?? null,
      destination: (id) => destinations.find((d) => d.id === id) ?? null,
      workflowsFor: (sourceId, eventType) =>
        matchRules(rules, sourceId, eventType).flatMap((rule) => {
          const flow = flows.get(rule.flow.id);
          return flow ? [{ ruleId: rule.id, flow }] : [];
        }),
    };
  }
}

/** Flows were validated when saved; one that no longer compiles (an older format) is left out. */
function compileAll(flows: { id: string }[]): Map<string, CompiledFlow> {
  const out = new Map<string, CompiledFlow>();
  for (const flow of flows) {
    try {
      out.set(flow.id, compileFlow(flow));
    } catch {
      // skipped: it cannot run until it is saved again
    }
  }
  return out;
}
