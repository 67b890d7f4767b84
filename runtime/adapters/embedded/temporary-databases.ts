import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Db, openDatabase } from "./database.js";

/**
 * For tests on real SQLite files: databases in temporary directories, closed and removed by `cleanup`
 * (a test file passes it to `afterEach`).
 */
export class TemporaryDatabases {
  private readonly dirs: string[] = [];
  private readonly dbs: Db[] = [];

  constructor(private readonly prefix: string) {}

  /** A new empty directory, removed by `cleanup`. */
  dir(): string {
    const dir = mkdtempSync(join(tmpdir(), this.prefix));
    this.dirs.push(dir);
    return dir;
  }

  /** The database of `dir` (a new directory when absent), opened again if it was before. */
  open(dir = this.dir()): Db {
    if (!this.dirs.includes(dir)) this.dirs.push(dir);
    const db = openDatabase(dir);
    this.dbs.push(db);
    return db;
  }

  readonly cleanup = (): void => {
    for (const db of this.dbs.splice(0)) if (db.open) db.close();
    for (const dir of this.dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  };
}
