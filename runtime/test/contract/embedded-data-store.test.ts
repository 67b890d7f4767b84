import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { EmbeddedDataStore } from "../../adapters/embedded/data-store.js";
import { openDatabase } from "../../adapters/embedded/database.js";
import { describeDataStoreContract } from "./data-store.js";

const dir = mkdtempSync(join(tmpdir(), "tracardi-data-store-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeDataStoreContract("embedded SQLite", async () => {
  const db = openDatabase(dir);
  return { store: new EmbeddedDataStore(db), close: async () => void db.close() };
});
