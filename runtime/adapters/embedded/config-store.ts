import { type ConfigCollection, type ConfigStore, configStoreOf } from "../../ports/store.js";
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
  return configStoreOf((kind) => new EmbeddedCollection(db, kind));
}
