import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GroupCommit, openDatabase } from "../../adapters/embedded/database.js";
import { EmbeddedQueue } from "../../adapters/embedded/queue.js";
import { describeQueueContract, type QueueFixture } from "./queue.js";

// The embedded SQLite queue on a temporary data directory, with short poll and retry delays.
describeQueueContract("embedded SQLite", async () => {
  const dir = mkdtempSync(join(tmpdir(), "queue-contract-"));
  const openOn = () => {
    const db = openDatabase(dir);
    const commits = new GroupCommit(db);
    const queue = new EmbeddedQueue(db, commits, {
      maxBacklog: 100_000,
      pollIntervalMs: 10,
      retryBaseMs: 50,
    });
    return {
      queue,
      close: async () => {
        await queue.close();
        await commits.close();
        db.close();
      },
    };
  };
  let current = openOn();
  const fixture: QueueFixture = {
    queue: current.queue,
    reopen: async () => {
      await current.close();
      current = openOn();
      fixture.queue = current.queue;
      return current.queue;
    },
    close: async () => {
      await current.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return fixture;
});
