import { randomUUID } from "node:crypto";
import { expect } from "vitest";
import { eventually, type RuntimeProcess, sleep } from "./harness.js";

// Issue 13's load, shared by every deployment it runs on (runtime/test/infra/scale.test.ts): a hot
// set of people, each visiting from several sessions at once; every payload runs a counting flow
// (increase-visits, increase-views, a flow counter), and each session identifies its person by
// e-mail mid-way, so the merge pass joins the person's profiles while their events still flow.
// Meanwhile the deployment changes its workers (`changes`). Afterwards every count is exact.

export interface ScaleShape {
  people: number;
  sessionsPerPerson: number;
  payloadsPerSession: number;
  /** `count-me` events in each payload after a session's first (which has one). */
  eventsPerPayload: number;
  /** A session's pause between two payloads (ms). */
  pauseMs: number;
}

export const SCALE_SHAPE: ScaleShape = {
  people: 6,
  sessionsPerPerson: 3,
  payloadsPerSession: 16,
  eventsPerPayload: 2,
  pauseMs: 250,
};

/** The payload (of each session) that carries the identification event. */
const IDENTIFY_AT = 3;

/** A change of workers, started once the load has sent `at` (a share) of its payloads. */
export interface WorkerChange {
  at: number;
  name: string;
  run: () => Promise<void>;
}

export interface ScaleSystem {
  /** Take `/track`, in turn. */
  publicApis: RuntimeProcess[];
  /** Serves the admin API. */
  privateApi: RuntimeProcess;
  /** In order; the load does not pass the next change's share before the previous change is done. */
  changes: WorkerChange[];
}

interface Person {
  email: string;
  /** The profile id each session was given by its first payload. */
  profiles: string[];
  sessions: string[];
}

const SOURCE = "scale-site";
/** The personal field each session of a person sets with its identification (all must be kept). */
const PERSONAL = [
  { property: "firstname", path: ["pii", "firstname"] },
  { property: "lastname", path: ["pii", "lastname"] },
  { property: "login", path: ["identifier", "token"] },
] as const;

/** The source, and a flow that counts each `count-me` event: visits, views and a flow counter. */
export async function setUpScaleFlow(privateApi: RuntimeProcess): Promise<void> {
  await privateApi.createSource(SOURCE);
  const edge = (source: string, target: string) => ({
    source,
    sourcePort: "payload",
    target,
    targetPort: "payload",
  });
  const flow = await privateApi.admin<{ id: string }>("POST", "/api/v1/flows", {
    name: "count",
    nodes: [
      { id: "start", type: "start" },
      { id: "visits", type: "increase-visits" },
      { id: "views", type: "increase-views" },
      { id: "hits", type: "increment", config: { path: "profile@stats.counters.hits", by: 1 } },
    ],
    edges: [edge("start", "visits"), edge("visits", "views"), edge("views", "hits")],
  });
  expect(flow.status).toBe(201);
  const rule = await privateApi.admin("POST", "/api/v1/rules", {
    name: "count",
    source: { id: SOURCE },
    event_type: { id: "count-me" },
    flow: { id: flow.body.id },
    enabled: true,
  });
  expect(rule.status).toBe(201);
}

/** Runs the changes as the load passes their shares; the load waits for a change still running. */
class ChangeSchedule {
  private next = 0;
  private running: Promise<void> = Promise.resolve();
  /** What a payload waits for before it is sent: the change before the one in progress. */
  private gate: Promise<void> = Promise.resolve();
  readonly done: string[] = [];

  constructor(
    private readonly changes: WorkerChange[],
    private readonly total: number,
  ) {}

  /** Called before each payload with how many were sent. */
  async before(sent: number): Promise<void> {
    const change = this.changes[this.next];
    if (change !== undefined && sent >= change.at * this.total) this.start(change);
    await this.gate;
  }

  /** Runs the changes the load did not reach, then waits for every change. */
  async finished(): Promise<void> {
    for (const change of this.changes.slice(this.next)) this.start(change);
    await this.running;
  }

  private start(change: WorkerChange): void {
    this.next++;
    const previous = this.running;
    this.gate = previous;
    this.running = previous.then(async () => {
      await change.run();
      this.done.push(change.name);
    });
  }
}

/** Sends the load while the system's workers change; answers the people it made. */
export async function runScaleLoad(system: ScaleSystem, shape = SCALE_SHAPE): Promise<Person[]> {
  const people: Person[] = Array.from({ length: shape.people }, () => ({
    email: `${randomUUID()}@scale.test`,
    profiles: [],
    sessions: Array.from({ length: shape.sessionsPerPerson }, () => randomUUID()),
  }));
  const total = shape.people * shape.sessionsPerPerson * shape.payloadsPerSession;
  const schedule = new ChangeSchedule(system.changes, total);
  let sent = 0;
  const visit = async (person: Person, index: number) => {
    const session = person.sessions[index] as string;
    const personal = PERSONAL[index % PERSONAL.length] as (typeof PERSONAL)[number];
    for (let payload = 0; payload < shape.payloadsPerSession; payload++) {
      await schedule.before(sent);
      const count = payload === 0 ? 1 : shape.eventsPerPayload;
      const events: Record<string, unknown>[] = Array.from({ length: count }, () => ({
        type: "count-me",
        properties: { payload },
      }));
      if (payload === IDENTIFY_AT)
        events.push({
          type: "identification",
          properties: {
            email: { main: person.email },
            [personal.property]: `${personal.property}-${session}`,
          },
        });
      const api = system.publicApis[sent % system.publicApis.length] as RuntimeProcess;
      sent++;
      const res = await api.track({ source: { id: SOURCE }, session: { id: session }, events });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      if (payload === 0) person.profiles[index] = res.body.profile?.id as string;
      await sleep(shape.pauseMs);
    }
  };
  await Promise.all(people.flatMap((person) => person.sessions.map((_, index) => visit(person, index))));
  await schedule.finished();
  expect(schedule.done).toEqual(system.changes.map((c) => c.name));
  return people;
}

interface StoredProfile {
  id: string;
  stats: { visits: number; views: number; counters: Record<string, number> };
  data: { contact?: { email?: { main?: string } }; [key: string]: unknown };
  metadata: { time: { visit: { count: number } } };
}

/**
 * Once everything is processed and merged: each person is one profile whatever id is asked for,
 * holding every event, session and personal field of its sessions, every count exact; no dead letter.
 */
export async function expectScaleResult(
  privateApi: RuntimeProcess,
  people: Person[],
  shape = SCALE_SHAPE,
  timeoutMs = 90_000,
): Promise<void> {
  const counted = shape.sessionsPerPerson * (1 + (shape.payloadsPerSession - 1) * shape.eventsPerPayload);
  const sessions = shape.sessionsPerPerson;
  await privateApi.drained(timeoutMs);
  await eventually(async () => {
    // Merges still queued (the timed pass may not have seen the last marks): one more pass.
    await privateApi.admin("POST", "/api/v1/merge");
    await privateApi.drained(timeoutMs);
    for (const person of people) {
      const answers = await Promise.all(person.profiles.map((id) => privateApi.profile(id)));
      const survivor = answers[0]?.body as unknown as StoredProfile;
      expect(answers.map((a) => a.status)).toEqual(person.profiles.map(() => 200));
      expect(answers.map((a) => a.body.id)).toEqual(person.profiles.map(() => survivor.id));
      expect(survivor.stats.views).toBe(counted);
      expect(survivor.stats.counters.hits).toBe(counted);
      expect(survivor.stats.visits).toBe(sessions);
      expect(survivor.metadata.time.visit.count).toBe(sessions);
      expect(survivor.data.contact?.email?.main).toBe(person.email);
      for (const [index, session] of person.sessions.entries()) {
        const personal = PERSONAL[index % PERSONAL.length] as (typeof PERSONAL)[number];
        const [group, field] = personal.path;
        expect((survivor.data[group] as Record<string, unknown> | undefined)?.[field]).toBe(
          `${personal.property}-${session}`,
        );
      }
      const events = await privateApi.events(`profile=${survivor.id}&limit=1000`);
      const byType = new Map<string, number>();
      for (const event of events.body.items) byType.set(event.type, (byType.get(event.type) ?? 0) + 1);
      expect(Object.fromEntries(byType)).toEqual({
        "count-me": counted,
        identification: sessions,
        "profile-created": sessions,
        "session-opened": sessions,
        "visit-started": sessions,
      });
      expect(new Set(events.body.items.map((e) => e.id)).size).toBe(events.body.total);
      const stored = await privateApi.admin<{ total: number; items: { id: string }[] }>(
        "GET",
        `/api/v1/sessions?profile=${survivor.id}&limit=1000`,
      );
      expect(stored.body.items.map((s) => s.id).sort()).toEqual([...person.sessions].sort());
    }
  }, timeoutMs);
  const all = await privateApi.events("type=count-me&limit=1");
  expect(all.body.total).toBe(counted * people.length);
  const letters = await privateApi.admin<{ total: number }>("GET", "/api/v1/dead-letters");
  expect(letters.body.total).toBe(0);
}
