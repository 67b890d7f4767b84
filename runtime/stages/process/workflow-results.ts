import type { Json, JsonObject } from "../../domain/types.js";

export interface WorkflowOutput {
  response: JsonObject;
  ux: Json[];
}

/**
 * Hands what workflows produced for a payload (its `response` and `ux`) to the `/track` request that
 * waits for it. Results that arrive before their waiter are kept briefly; waiting ends at a timeout,
 * and the request is answered without them (its payload is accepted all the same).
 */
export class WorkflowResults {
  private readonly waiting = new Map<string, (output: WorkflowOutput) => void>();
  private readonly early = new Map<string, { output: WorkflowOutput; at: number }>();

  deliver(task: string, output: WorkflowOutput): void {
    const waiter = this.waiting.get(task);
    if (waiter) {
      this.waiting.delete(task);
      waiter(output);
      return;
    }
    const now = Date.now();
    for (const [key, entry] of this.early) if (now - entry.at > 10_000) this.early.delete(key);
    if (this.early.size < 10_000) this.early.set(task, { output, at: now });
  }

  wait(task: string, timeoutMs: number): Promise<WorkflowOutput | null> {
    const early = this.early.get(task);
    if (early) {
      this.early.delete(task);
      return Promise.resolve(early.output);
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(task);
        resolve(null);
      }, timeoutMs);
      this.waiting.set(task, (output) => {
        clearTimeout(timer);
        resolve(output);
      });
    });
  }
}
