import { randomUUID } from "node:crypto";
import { expect } from "vitest";
import type { HttpResult, RuntimeProcess, StoredEvent } from "./harness.js";

/**
 * The load of the crash tests (embedded and over Pulsar): loops of one session each, sending payloads
 * of three page views and a checkout, every event with its own id as its marker, and what each loop
 * got acknowledged.
 */
export interface LoadLoop {
  session: string;
  profileId: string | null;
  acked: Set<string>;
  ackedCheckouts: number;
  /** Requests sent but never answered: their events may or may not be stored (at most once). */
  unanswered: string[][];
}

export function loadLoops(count: number): LoadLoop[] {
  return Array.from({ length: count }, () => ({
    session: randomUUID(),
    profileId: null,
    acked: new Set<string>(),
    ackedCheckouts: 0,
    unanswered: [],
  }));
}

/** Sends payloads until `until()`; a request that fails is recorded as unanswered. */
export async function load(
  api: RuntimeProcess,
  source: string,
  loop: LoadLoop,
  until: () => boolean,
): Promise<void> {
  while (!until()) {
    const ids = Array.from({ length: 4 }, () => randomUUID());
    const payload = {
      source: { id: source },
      session: { id: loop.session },
      ...(loop.profileId ? { profile: { id: loop.profileId } } : {}),
      events: [
        ...ids.slice(0, 3).map((id) => ({ id, type: "page-view", properties: { marker: id } })),
        { id: ids[3], type: "checkout-completed", properties: { marker: ids[3], value: 1 } },
      ],
    };
    try {
      const res = await api.track(payload);
      if (res.status !== 200) throw new Error(`status ${res.status}`);
      loop.profileId = res.body.profile?.id ?? loop.profileId;
      for (const id of ids) loop.acked.add(id);
      loop.ackedCheckouts++;
    } catch {
      loop.unanswered.push(ids);
      if (until()) return; // the server is gone
    }
  }
}

/**
 * Exactly once for one loop's profile: every acknowledged event is stored, each marker once, no
 * marker that was never sent, and the checkout counter once per stored checkout (at least once per
 * acknowledged one).
 */
export function expectExactlyOnce(
  loop: LoadLoop,
  stored: { items: StoredEvent[] },
  profile: HttpResult<Record<string, unknown>>,
): void {
  const ids = new Set(stored.items.map((e) => e.id));
  expect([...loop.acked].filter((id) => !ids.has(id))).toEqual([]);
  const markers = new Map<string, number>();
  for (const event of stored.items) {
    const marker = event.properties.marker;
    if (typeof marker === "string") markers.set(marker, (markers.get(marker) ?? 0) + 1);
  }
  expect([...markers].filter(([, n]) => n > 1)).toEqual([]);
  const unanswered = new Set(loop.unanswered.flat());
  expect([...markers.keys()].filter((m) => !loop.acked.has(m) && !unanswered.has(m))).toEqual([]);
  const counted = (profile.body as { data: { metrics: { ltcocc: number } } }).data.metrics.ltcocc;
  const storedCheckouts = stored.items.filter((e) => e.type === "checkout-completed").length;
  expect(counted).toBe(storedCheckouts);
  expect(counted).toBeGreaterThanOrEqual(loop.ackedCheckouts);
  expect(counted).toBeLessThanOrEqual(loop.ackedCheckouts + loop.unanswered.length);
}
