/**
 * Per-key order across re-published messages. A retried (or deferred) message goes back on the
 * stage's retry topic with a delivery delay; until it is handled, the later messages of its key that
 * arrive (on either topic) are re-published behind it, each a little later than the one before, so
 * they come back in order. The key stays held until every message put back behind the head is done:
 * a new message must not overtake one still waiting on the retry topic. Key_Shared sends a key to
 * one consumer of each topic (consumers of both topics carry the same names, so the same process),
 * so a process-local record is enough; it is lost on restart, where the delivery times alone keep
 * the order.
 */
export class KeyHolds {
  /** Per key: the message handled next (the head), when it is due, the latest time given out, and
   * every message put back and not done yet (by id, when due). */
  private readonly holds = new Map<
    string,
    { head: string; headAt: number; tail: number; waiting: Map<string, number> }
  >();

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
      hold.waiting.set(id, hold.tail);
      return hold.tail;
    }
    const waiting = hold?.waiting ?? new Map<string, number>();
    waiting.set(id, earliest);
    this.holds.set(key, { head: id, headAt: earliest, tail: Math.max(hold?.tail ?? 0, earliest), waiting });
    return earliest;
  }

  /**
   * The message is done with (acknowledged or dead-lettered). If it was the head, the key's next
   * waiting message (the earliest due) becomes the head; with none left, the key is free.
   */
  release(key: string, id: string | undefined): void {
    const hold = id === undefined ? undefined : this.holds.get(key);
    if (!hold || id === undefined) return;
    hold.waiting.delete(id);
    if (hold.head !== id) return;
    let next: [string, number] | undefined;
    for (const entry of hold.waiting) if (next === undefined || entry[1] < next[1]) next = entry;
    if (next === undefined) this.holds.delete(key);
    else [hold.head, hold.headAt] = next;
  }
}
