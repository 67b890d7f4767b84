import { describe, expect, it } from "vitest";
import { ExclusiveGate, KeyedLocks } from "./locks.js";

function latch() {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

describe("ExclusiveGate", () => {
  it("runs shared work together and exclusive work alone, in arrival order", async () => {
    const gate = new ExclusiveGate();
    const log: string[] = [];
    const first = latch();
    const a = gate.shared(async () => {
      log.push("a start");
      await first.opened;
      log.push("a end");
    });
    const b = gate.shared(async () => {
      log.push("b");
    });
    const merge = gate.exclusive(async () => {
      log.push("merge");
    });
    const c = gate.shared(async () => {
      log.push("c");
    });
    await b;
    expect(log).toEqual(["a start", "b"]);
    first.open();
    await Promise.all([a, merge, c]);
    expect(log).toEqual(["a start", "b", "a end", "merge", "c"]);
  });
});

describe("KeyedLocks", () => {
  it("holds work that shares a name and lets other names pass", async () => {
    const locks = new KeyedLocks();
    const log: string[] = [];
    const slow = latch();
    const one = locks.with(["profile:1", "session:s"], async () => {
      await slow.opened;
      log.push("one");
    });
    const sameSession = locks.with(["profile:2", "session:s"], async () => {
      log.push("same session");
    });
    await locks.with(["profile:3", "session:t"], async () => {
      log.push("other");
    });
    expect(log).toEqual(["other"]);
    slow.open();
    await Promise.all([one, sameSession]);
    expect(log).toEqual(["other", "one", "same session"]);
  });
});
