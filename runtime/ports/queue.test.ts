import { describe, expect, it } from "vitest";
import { type Delivery, inKeyOrder } from "./queue.js";

const delivery = (id: string, key: string): Delivery<string> => ({
  id,
  topic: "dispatch",
  key,
  body: id,
  attempt: 1,
});

/** Runs a batch (keys a, a, b) and returns what happened, in order: "handle x" and "settle x". */
async function trace(options: { concurrentKeys: boolean; settleEach?: boolean }): Promise<string[]> {
  const steps: string[] = [];
  const batch = [delivery("a1", "a"), delivery("a2", "a"), delivery("b1", "b")];
  const handler = inKeyOrder<string>(async (d) => {
    steps.push(`handle ${d.id}`);
    await new Promise((resolve) => setImmediate(resolve));
    return { kind: "ack" };
  }, options);
  await handler(batch, (index) => steps.push(`settle ${batch[index]?.id}`));
  return steps;
}

describe("inKeyOrder", () => {
  it("settles a key's deliveries together once the key is done (few queue transactions)", async () => {
    const steps = await trace({ concurrentKeys: true });
    expect(steps.indexOf("settle a1")).toBeGreaterThan(steps.indexOf("handle a2"));
    expect(steps.filter((s) => s.startsWith("settle"))).toHaveLength(3);
  });

  it("with settleEach, settles a delivery before its key's next one is handled", async () => {
    const steps = await trace({ concurrentKeys: true, settleEach: true });
    expect(steps.indexOf("settle a1")).toBeLessThan(steps.indexOf("handle a2"));
    expect(steps.filter((s) => s.startsWith("settle"))).toHaveLength(3);
  });

  it("settles nothing early when keys run one after another", async () => {
    const steps = await trace({ concurrentKeys: false, settleEach: true });
    expect(steps.filter((s) => s.startsWith("settle"))).toEqual([]);
  });
});
