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
  private view: ProcessingConfig | null = null;
  private compiled = new Map<string, { json: string; flow: CompiledFlow }>();
  private loadedAt = 0;

  constructor(
    private readonly config: ConfigStore,
    private readonly ttlMs: number,
  ) {}

  invalidate(): void {
    this.loadedAt = 0;
  }

  /**
   * The configuration as read, while it is as fresh as a batch's: null when it was never read, was
   * invalidated (a change this process made or was told of), or was read more than two TTLs ago. A
   * consumer calls `current` when its batch starts, so while that batch settles the copy is up to
   * one TTL plus the batch's time old. Null at the first TTL instead sent a standalone collector's
   * forwards of about one batch a second over topic "storage", and while anything waits there,
   * every forward does: under load the queue never emptied and every payload took the slow path.
   */
  fresh(now = Date.now()): ProcessingConfig | null {
    return now - this.loadedAt < 2 * this.ttlMs ? this.view : null;
  }

  async current(): Promise<ProcessingConfig> {
    const now = Date.now();
    if (this.view === null || now - this.loadedAt >= this.ttlMs) {
      try {
        const [mappings, schemas, destinations, resources, rules, flows] = await Promise.all([
          this.config.mappings.list(),
          this.config.schemas.list(),
          this.config.destinations.list(),
          this.config.resources.list(),
          this.config.rules.list(),
          this.config.flows.list(),
        ]);
        this.view = view({
          mappings: mappings.filter((m) => m.enabled),
          schemas: schemas.filter((s) => s.enabled),
          destinations,
          resources,
          rules: rules.filter((r) => r.enabled),
          flows: this.compile(flows),
        });
        this.loadedAt = now;
      } catch (error) {
        if (this.view === null) throw error;
      }
    }
    return this.view;
  }

  /** Compiles flows, reusing the compiled form of every flow that did not change. */
  private compile(flows: { id: string }[]): Map<string, CompiledFlow> {
    const out = new Map<string, CompiledFlow>();
    const seen = new Map<string, { json: string; flow: CompiledFlow }>();
    for (const flow of flows) {
      const json = JSON.stringify(flow);
      const known = this.compiled.get(flow.id);
      if (known?.json === json) {
        out.set(flow.id, known.flow);
        seen.set(flow.id, known);
        continue;
      }
      try {
        const compiled = compileFlow(flow);
        out.set(flow.id, compiled);
        seen.set(flow.id, { json, flow: compiled });
      } catch {
        // Validated when saved; one that no longer compiles (an older format) cannot run until saved again.
      }
    }
    this.compiled = seen;
    return out;
  }
}

function view(snapshot: Snapshot): ProcessingConfig {
  const { mappings, schemas, destinations, resources, rules, flows } = snapshot;
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
