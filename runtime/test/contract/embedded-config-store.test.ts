import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { embeddedConfigStore } from "../../adapters/embedded/config-store.js";
import { openDatabase } from "../../adapters/embedded/database.js";
import { describeConfigStoreContract } from "./config-store.js";

const dir = mkdtempSync(join(tmpdir(), "tracardi-config-store-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeConfigStoreContract("embedded SQLite", async () => {
  const db = openDatabase(dir);
  return { store: embeddedConfigStore(db), close: async () => void db.close() };
});
