import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../../test/harness.js";
import { GroupCommit } from "./database.js";
import { EmbeddedQueue } from "./queue.js";
import { TemporaryDatabases } from "./temporary-databases.js";

// A consume loop that meets an error outside the handler tells its stage (which records it as the
// stage's last error) and goes on.
const databases = new TemporaryDatabases("queue-loop-error-");
afterEach(databases.cleanup);

describe("EmbeddedQueue consume loop errors", () => {
  it("are handed to onLoopError, and the loop keeps running", async () => {
    const db = databases.open();
    const queue = new EmbeddedQueue(db, new GroupCommit(db), {
      maxBacklog: 10,
      pollIntervalMs: 5,
      retryBaseMs: 10,
    });
    const errors: string[] = [];
    const subscription = queue.consume("collector", (batch) => batch.map(() => ({ kind: "ack" as const })), {
      maxBatch: 10,
      maxAttempts: 3,
      onLoopError: (error) => errors.push((error as Error).message),
    });
    // Reading the next batch fails from now on.
    db.close();
    await eventually(async () => expect(errors.length).toBeGreaterThanOrEqual(2));
    expect(errors[0]).toMatch(/database connection is not open/);
    await subscription.close();
  });
});
