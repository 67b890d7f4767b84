import { afterEach, describe, expect, it } from "vitest";
import { UnserialisableMessageError } from "../../ports/queue.js";
import { GroupCommit } from "./database.js";
import { EmbeddedQueue } from "./queue.js";
import { TemporaryDatabases } from "./temporary-databases.js";

// Publishes share one group commit: one that cannot be written must not fail the others.
const databases = new TemporaryDatabases("queue-publish-test-");
afterEach(databases.cleanup);

function open() {
  const db = databases.open();
  return new EmbeddedQueue(db, new GroupCommit(db), {
    maxBacklog: 1000,
    pollIntervalMs: 10,
    retryBaseMs: 30,
  });
}

describe("EmbeddedQueue.publish", () => {
  it("fails only the publish whose message cannot be serialised; its group commit's others are stored", async () => {
    const queue = open();
    const circular: Record<string, unknown> = { n: 0 };
    circular.self = circular;
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i++) deep = [deep];
    const before = queue.publish("collector", [{ key: "a", body: { n: 1 } }]);
    const loop = queue.publish("collector", [{ key: "b", body: circular }]);
    const tooDeep = queue.publish("collector", [{ key: "c", body: deep }]);
    const after = queue.publish("collector", [{ key: "d", body: { n: 2 }, json: '{"n":2}' }]);
    await expect(loop).rejects.toBeInstanceOf(UnserialisableMessageError);
    await expect(tooDeep).rejects.toBeInstanceOf(UnserialisableMessageError);
    await expect(Promise.all([before, after])).resolves.toBeDefined();
    expect(await queue.backlog()).toMatchObject({ collector: 2 });
    await queue.close();
  });
});
