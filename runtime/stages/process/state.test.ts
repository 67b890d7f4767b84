import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EmbeddedDataStore } from "../../adapters/embedded/data-store.js";
import { type Db, openDatabase } from "../../adapters/embedded/database.js";
import { newProfile } from "./profile.js";
import { PendingState } from "./state.js";

let dir: string;
let db: Db;
let store: EmbeddedDataStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "tracardi-state-"));
  db = openDatabase(dir);
  store = new EmbeddedDataStore(db);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const write = (profile: ReturnType<typeof newProfile>) =>
  store.write({ profiles: [JSON.parse(JSON.stringify(profile))], sessions: [], events: [] });

describe("PendingState.sweep (storage in another process)", () => {
  it("drops an old document once the store holds it unchanged, and keeps it until then", async () => {
    const state = new PendingState(store);
    const profile = newProfile("p1", new Date("2026-01-01T00:00:00Z"));
    state.remember(profile, null, 1000);
    expect(await state.sweep(2000)).toBe(0); // not stored yet
    await write(profile);
    expect(await state.sweep(500)).toBe(0); // stored, but younger than the cut-off
    expect(await state.sweep(2000)).toBe(1);
    expect(state.size).toBe(0);
    expect(await state.profile("p1")).toEqual(profile);
  });

  it("keeps a document the store holds in an older version", async () => {
    const state = new PendingState(store);
    const older = newProfile("p2", new Date("2026-01-01T00:00:00Z"));
    await write(older);
    const newer = { ...older, stats: { ...older.stats, visits: older.stats.visits + 1 } };
    state.remember(newer, null, 1000);
    expect(await state.sweep(2000)).toBe(0);
    expect((await state.profile("p2"))?.stats.visits).toBe(newer.stats.visits);
  });
});
