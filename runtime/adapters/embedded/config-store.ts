import type { Destination, Resource } from "../../domain/destination.js";
import type { EventSource } from "../../domain/types.js";
import type {
  ConfigCollection,
  ConfigStore,
  EventToProfileMapping,
  EventTypeSchema,
  StoredFlow,
  StoredRule,
} from "../../ports/store.js";
import type { Db } from "./database.js";

class EmbeddedCollection<T extends { id: string }> implements ConfigCollection<T> {
  private readonly statements;

  constructor(db: Db, kind: string) {
    this.statements = {
      get: db.prepare<[string, string], { doc: string }>("SELECT doc FROM config WHERE kind = ? AND id = ?"),
      list: db.prepare<[string], { doc: string }>("SELECT doc FROM config WHERE kind = ? ORDER BY id"),
      put: db.prepare("INSERT OR REPLACE INTO config (kind, id, doc) VALUES (?, ?, ?)"),
      delete: db.prepare("DELETE FROM config WHERE kind = ? AND id = ?"),
    };
    this.kind = kind;
  }

  private readonly kind: string;

  async get(id: string): Promise<T | null> {
    const row = this.statements.get.get(this.kind, id);
    return row ? (JSON.parse(row.doc) as T) : null;
  }

  async list(): Promise<T[]> {
    return this.statements.list.all(this.kind).map((row) => JSON.parse(row.doc) as T);
  }

  async put(doc: T): Promise<T> {
    this.statements.put.run(this.kind, doc.id, JSON.stringify(doc));
    return doc;
  }

  async delete(id: string): Promise<boolean> {
    return this.statements.delete.run(this.kind, id).changes > 0;
  }
}

export function embeddedConfigStore(db: Db): ConfigStore {
  return {
    sources: new EmbeddedCollection<EventSource>(db, "event-source"),
    mappings: new EmbeddedCollection<EventToProfileMapping>(db, "event-to-profile"),
    schemas: new EmbeddedCollection<EventTypeSchema>(db, "event-type-schema"),
    resources: new EmbeddedCollection<Resource>(db, "resource"),
    destinations: new EmbeddedCollection<Destination>(db, "destination"),
    flows: new EmbeddedCollection<StoredFlow>(db, "flow"),
    rules: new EmbeddedCollection<StoredRule>(db, "rule"),
  };
}
