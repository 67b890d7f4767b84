import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import type { Db } from "./database.js";

export interface CheckpointerOptions {
  /** How often the thread runs a PASSIVE checkpoint. */
  intervalMs: number;
  /** Called once if the thread fails; `db` has then checkpointed on its own commits again. */
  onFailure: (reason: string) => void;
  /** The SQLite driver the thread loads (tests point it elsewhere to make the thread fail). */
  driver?: string;
}

/** SQLite's default: a connection checkpoints when its commit leaves the WAL over 1000 pages. */
const DEFAULT_AUTOCHECKPOINT = 1000;

// CommonJS, evaluated by the worker: no file to ship next to the compiled module.
const THREAD = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma("busy_timeout = 5000");
db.pragma("synchronous = NORMAL");
db.pragma("wal_autocheckpoint = 0");
const timer = setInterval(() => {
  try {
    db.pragma("wal_checkpoint(PASSIVE)");
  } catch (error) {
    if (error.code !== "SQLITE_BUSY") throw error;
  }
}, workerData.intervalMs);
parentPort.on("message", () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/**
 * Runs the WAL checkpoints of `db`'s file on a thread of its own and stops `db` from running them
 * at its commits. A checkpoint copies the WAL into the database file and fsyncs it; done by the
 * intake connection, that blocked the event loop at every thousandth WAL page and cost /track about
 * a tenth of its CPU. Checkpointing still keeps the WAL short, so it is overwritten in place rather
 * than grown, and the fdatasync behind each 2xx has no file size to write.
 */
export class WalCheckpointer {
  private stopping = false;
  private readonly exited: Promise<void>;

  private constructor(
    private readonly db: Db,
    private readonly worker: Worker,
    onFailure: (reason: string) => void,
  ) {
    let failed = false;
    const fail = (reason: string) => {
      if (failed || this.stopping) return;
      failed = true;
      db.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT}`);
      onFailure(reason);
    };
    worker.on("error", (error) => fail(error.message));
    this.exited = new Promise((resolve) =>
      worker.once("exit", (code) => {
        fail(`checkpoint thread exited with code ${code}`);
        resolve();
      }),
    );
  }

  static start(db: Db, options: CheckpointerOptions): WalCheckpointer {
    const driver = options.driver ?? createRequire(import.meta.url).resolve("better-sqlite3");
    const worker = new Worker(THREAD, {
      eval: true,
      workerData: { driver, file: db.name, intervalMs: options.intervalMs },
    });
    worker.unref();
    db.pragma("wal_autocheckpoint = 0");
    return new WalCheckpointer(db, worker, options.onFailure);
  }

  /** Stops the thread; `db` checkpoints at its own commits again. */
  async stop(): Promise<void> {
    if (this.stopping) return this.exited;
    this.stopping = true;
    // Unreferenced, the thread would not keep the process alive while this waits for it.
    this.worker.ref();
    this.worker.postMessage("stop");
    await this.exited;
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT}`);
  }
}
