import { statSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { WalCheckpointer } from "./checkpointer.js";
import type { Db } from "./database.js";
import { TemporaryDatabases } from "./temporary-databases.js";

// A real SQLite file and a real worker thread.
const databases = new TemporaryDatabases("checkpoint-test-");
const checkpointers: WalCheckpointer[] = [];
afterEach(async () => {
  await Promise.all(checkpointers.splice(0).map((c) => c.stop()));
  databases.cleanup();
});

const open = (): Db => databases.open();

/** About 4 MB in 40 commits: four times what SQLite lets the WAL hold before it checkpoints. */
function write(db: Db): void {
  db.exec("CREATE TABLE IF NOT EXISTS filler (body TEXT NOT NULL)");
  const insert = db.prepare("INSERT INTO filler (body) VALUES (?)");
  const commit = db.transaction(() => {
    for (let i = 0; i < 100; i++) insert.run("x".repeat(1000));
  });
  for (let i = 0; i < 40; i++) commit();
}

const databaseBytes = (db: Db) => statSync(db.name).size;
const autocheckpoint = (db: Db) => db.pragma("wal_autocheckpoint", { simple: true });

async function until(condition: () => boolean, ms = 5000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  return condition();
}

describe("WalCheckpointer", () => {
  it("folds the WAL into the database file while the connection never checkpoints itself", async () => {
    const db = open();
    checkpointers.push(WalCheckpointer.start(db, { intervalMs: 10, onFailure: () => {} }));
    expect(autocheckpoint(db)).toBe(0);
    write(db);
    expect(await until(() => databaseBytes(db) > 3_000_000)).toBe(true);
  });

  it("is what moves the data: without it, a connection that does not checkpoint leaves it in the WAL", async () => {
    const db = open();
    db.pragma("wal_autocheckpoint = 0");
    write(db);
    await new Promise((r) => setTimeout(r, 200));
    expect(databaseBytes(db)).toBeLessThan(1_000_000);
  });

  it("hands the checkpoints back to the connection when its thread fails", async () => {
    const db = open();
    const failure = new Promise<string>((resolve) =>
      checkpointers.push(
        WalCheckpointer.start(db, { intervalMs: 10, onFailure: resolve, driver: "/nonexistent/driver" }),
      ),
    );
    expect(await failure).toMatch(/nonexistent/);
    expect(autocheckpoint(db)).toBe(1000);
  });

  it("hands them back when stopped, and stops its thread", async () => {
    const db = open();
    const checkpointer = WalCheckpointer.start(db, { intervalMs: 10, onFailure: () => {} });
    await checkpointer.stop();
    expect(autocheckpoint(db)).toBe(1000);
  });
});
