/**
 * Per-key order across re-published messages. A retried (or deferred) message goes back on the
 * topic with a delivery delay; until it is handled, the later messages of its key that arrive are
 * re-published behind it, each a little later than the one before, so they come back in order.
 * Key_Shared sends a key to one consumer, so a process-local record is enough; it is lost on restart,
 * where the delivery times alone keep the order.
 */
export class KeyHolds {
  private readonly holds = new Map<string, { head: string; headAt: number; tail: number }>();

  /** A hold whose head does not come back this long after its time is given up (the head went elsewhere). */
  constructor(private readonly graceMs = 30_000) {}

  /** Whether a message of `key` (with stable id `id`) must wait behind the key's held head. */
  mustWait(key: string, id: string | undefined, now = Date.now()): boolean {
    const hold = this.holds.get(key);
    if (!hold) return false;
    if (now > hold.headAt + this.graceMs) {
      this.holds.delete(key);
      return false;
    }
    return hold.head !== id;
  }

  /**
   * When to deliver a message of `key` that goes back on the topic, at the earliest `earliest`:
   * a waiting message goes behind the key's last one; otherwise it becomes the key's head.
   */
  schedule(key: string, id: string, earliest: number): number {
    const hold = this.holds.get(key);
    if (hold && hold.head !== id) {
      hold.tail = Math.max(hold.tail + 1, earliest);
      return hold.tail;
    }
    this.holds.set(key, { head: id, headAt: earliest, tail: Math.max(hold?.tail ?? 0, earliest) });
    return earliest;
  }

  /** The message is done with (acknowledged or dead-lettered): its key is free if it was the head. */
  release(key: string, id: string | undefined): void {
    if (id !== undefined && this.holds.get(key)?.head === id) this.holds.delete(key);
  }
}
