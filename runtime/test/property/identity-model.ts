/**
 * Reference model of identity, auto profile merging and Tracardi's counters, as the README states
 * them (Identity under the public API, Auto profile merging and its safety rails). Pure: it knows
 * visitors, profiles by the order they were created, and the operations of a property-test sequence;
 * the test maps its profiles to the runtime's ids.
 *
 * A visitor is one browser: it keeps the profile id it was last given and sends it with every new
 * session, so it stays in its profile until a merge joins that profile to others.
 */

/** A client event of a payload. `identify` is Tracardi's `identification` event. */
export type ModelEvent =
  | { kind: "page-view" }
  | { kind: "identify"; email?: string; id?: string }
  /** Runs the `increase-views` flow. */
  | { kind: "view-me" }
  /** Runs the `increase-visits` flow. */
  | { kind: "visit-me" };

export type Operation =
  | { kind: "track"; visitor: number; newSession: boolean; events: ModelEvent[] }
  /** `POST /api/v1/merge`: one merge command per marked profile, in an order the runtime picks. */
  | { kind: "merge-pass" }
  /** `POST /api/v1/merge {"profiles": [...]}` with the ids the visitors were last given. */
  | { kind: "force-merge"; visitors: number[] };

/** Values that never identify anyone (a subset of the README's list, the ones the test sends). */
const PLACEHOLDERS = new Set(["", "undefined", "null", "0", "anonymous", "guest", "test@test.com"]);

/** The value a merge-key field identifies someone by (trimmed), or null for a placeholder. */
export function identifying(value: string | null): string | null {
  if (value === null) return null;
  const text = value.trim();
  return PLACEHOLDERS.has(text.toLowerCase()) ? null : text;
}

/** A profile field's value and when it last changed (the operation's index). */
interface Stamped {
  value: string;
  at: number;
}

export interface ModelProfile {
  /** Creation order: the index of the operation that created it (earliest inserted = smallest). */
  key: number;
  email: Stamped | null;
  identifier: Stamped | null;
  /** Merge ids of the current identifying values: `email:<v>`, `id:<v>`. */
  ids: Set<string>;
  /** Merge ids marked for the next merge pass (`metadata.system.aux.auto_merge`). */
  marks: Set<string>;
  views: number;
  visits: number;
  /** `metadata.time.visit.count`. */
  visitCount: number;
  /** Stored events: client events by their tag, and system events. */
  clientEvents: string[];
  profilesCreated: number;
  sessionsOpened: number;
}

interface VisitorState {
  /** The profile created by the visitor's first payload (its key), or null before it sent one. */
  origin: number | null;
  /** Whether the visitor's current session exists yet. */
  sessionOpen: boolean;
}

export interface ModelState {
  /** Live profiles by key. */
  profiles: Map<number, ModelProfile>;
  /** Merged-away profile key -> the key it was merged into. */
  aliases: Map<number, number>;
  visitors: VisitorState[];
  /** Operations applied (the clock of field changes). */
  clock: number;
}

export function initialState(visitors: number): ModelState {
  return {
    profiles: new Map(),
    aliases: new Map(),
    visitors: Array.from({ length: visitors }, () => ({ origin: null, sessionOpen: false })),
    clock: 0,
  };
}

export function cloneState(state: ModelState): ModelState {
  const profiles = new Map<number, ModelProfile>();
  for (const [key, p] of state.profiles) {
    profiles.set(key, {
      ...p,
      email: p.email && { ...p.email },
      identifier: p.identifier && { ...p.identifier },
      ids: new Set(p.ids),
      marks: new Set(p.marks),
      clientEvents: [...p.clientEvents],
    });
  }
  return {
    profiles,
    aliases: new Map(state.aliases),
    visitors: state.visitors.map((v) => ({ ...v })),
    clock: state.clock,
  };
}

/** The live profile a profile key ends in (following merges). */
export function resolve(state: ModelState, key: number): number {
  let current = key;
  for (let next = state.aliases.get(current); next !== undefined; next = state.aliases.get(current))
    current = next;
  return current;
}

/** The live profile key of a visitor, or null before its first payload. */
export function profileOf(state: ModelState, visitor: number): number | null {
  const origin = state.visitors[visitor]?.origin ?? null;
  return origin === null ? null : resolve(state, origin);
}

function live(state: ModelState, key: number): ModelProfile {
  const profile = state.profiles.get(resolve(state, key));
  if (!profile) throw new Error(`model: no profile ${key}`);
  return profile;
}

function currentIds(profile: ModelProfile): Set<string> {
  const ids = new Set<string>();
  const email = identifying(profile.email?.value ?? null);
  const id = identifying(profile.identifier?.value ?? null);
  if (email !== null) ids.add(`email:${email}`);
  if (id !== null) ids.add(`id:${id}`);
  return ids;
}

/**
 * Merge ids follow the current values: ids of values no longer held leave the ids and the marks;
 * ids new to the profile (compared with `previous`) are marked.
 */
function followValues(profile: ModelProfile, previous: Set<string>): void {
  const current = currentIds(profile);
  profile.marks = new Set([...profile.marks].filter((id) => current.has(id)));
  for (const id of current) if (!previous.has(id)) profile.marks.add(id);
  profile.ids = current;
}

function setField(field: Stamped | null, value: string | undefined, at: number): Stamped | null {
  if (value === undefined || field?.value === value) return field;
  return { value, at };
}

/** One `/track` payload (tracardi.md §1.7, §4; the README's counters paragraph). `tag` names its events. */
function track(state: ModelState, op: Extract<Operation, { kind: "track" }>, tags: string[]): void {
  const visitor = state.visitors[op.visitor];
  if (!visitor) throw new Error(`model: no visitor ${op.visitor}`);
  const at = state.clock;
  let profile: ModelProfile;
  if (visitor.origin === null) {
    profile = {
      key: at,
      email: null,
      identifier: null,
      ids: new Set(),
      marks: new Set(),
      views: 0,
      visits: 0,
      visitCount: 0,
      clientEvents: [],
      profilesCreated: 1,
      sessionsOpened: 0,
    };
    state.profiles.set(at, profile);
    visitor.origin = at;
  } else profile = live(state, visitor.origin);

  const sessionIsNew = op.newSession || !visitor.sessionOpen;
  visitor.sessionOpen = true;
  if (sessionIsNew) {
    profile.visitCount += 1;
    profile.sessionsOpened += 1;
  }
  const previous = new Set(profile.ids);
  op.events.forEach((event, i) => {
    profile.clientEvents.push(tags[i] ?? `missing-tag-${i}`);
    if (event.kind === "identify") {
      profile.email = setField(profile.email, event.email, at);
      profile.identifier = setField(profile.identifier, event.id, at);
    } else if (event.kind === "view-me") profile.views += 1;
    // increase-visits counts only in the payload that opened the session.
    else if (event.kind === "visit-me" && sessionIsNew) profile.visits += 1;
  });
  followValues(profile, previous);
}

/**
 * The later change of a field wins; the earliest profile's identifier.id is kept when it has one.
 * Marks are searches not done yet: the survivor keeps those of the group except the `searched` ids.
 */
function mergeInto(state: ModelState, keys: number[], searched: Set<string>): void {
  const group = [...new Set(keys)].sort((a, b) => a - b).map((key) => live(state, key));
  const [survivor, ...others] = group;
  if (!survivor || others.length === 0) return;
  const latest = (field: "email" | "identifier") =>
    group
      .map((p) => p[field])
      .reduce<Stamped | null>(
        (best, f) => (f !== null && (best === null || f.at > best.at) ? f : best),
        null,
      );
  const previous = new Set(group.flatMap((p) => [...p.ids]));
  const pending = group.flatMap((p) => [...p.marks]).filter((id) => !searched.has(id));
  const email = latest("email");
  const identifier = latest("identifier");
  survivor.email = email && { ...email };
  survivor.identifier = identifier && {
    value: survivor.identifier?.value ?? identifier.value,
    at: identifier.at,
  };
  for (const other of others) {
    survivor.views += other.views;
    survivor.visits += other.visits;
    survivor.visitCount += other.visitCount;
    survivor.clientEvents.push(...other.clientEvents);
    survivor.profilesCreated += other.profilesCreated;
    survivor.sessionsOpened += other.sessionsOpened;
    state.profiles.delete(other.key);
    state.aliases.set(other.key, survivor.key);
  }
  survivor.marks = new Set(pending);
  survivor.ids = previous;
  followValues(survivor, previous);
}

/**
 * The merge command of one marked profile: joins the profiles sharing one of its merge ids, earliest
 * inserted first, skipping any whose identifier.id differs from the group's.
 */
function autoMerge(state: ModelState, key: number): void {
  const base = live(state, key);
  if (base.marks.size === 0) return;
  const held = currentIds(base);
  const candidates = [...state.profiles.values()]
    .filter((p) => p.key !== base.key && [...currentIds(p)].some((id) => held.has(id)))
    .sort((a, b) => a.key - b.key);
  let identifier = identifying(base.identifier?.value ?? null);
  const group = [base.key];
  for (const candidate of candidates) {
    const theirs = identifying(candidate.identifier?.value ?? null);
    if (theirs !== null && identifier !== null && theirs !== identifier) continue;
    group.push(candidate.key);
    identifier ??= theirs;
  }
  if (group.length === 1) base.marks = new Set();
  else mergeInto(state, group, held);
}

/** A forced merge of the visitors' profiles (no rails, no search: every mark stays). */
function forceMerge(state: ModelState, visitors: number[]): void {
  const keys = visitors.map((v) => profileOf(state, v)).filter((k): k is number => k !== null);
  const [first] = keys;
  if (first === undefined) return;
  mergeInto(state, [first, ...keys], new Set());
}

/** Applies a payload or a forced merge. A merge pass has several outcomes: use `mergePassOutcomes`. */
export function apply(state: ModelState, op: Operation, tags: string[] = []): ModelState {
  const next = cloneState(state);
  if (op.kind === "track") track(next, op, tags);
  else if (op.kind === "force-merge") forceMerge(next, op.visitors);
  else throw new Error("model: a merge pass has several outcomes, use mergePassOutcomes");
  next.clock += 1;
  return next;
}

/** Visitor -> live profile key, for comparing outcomes. */
export function partition(state: ModelState): (number | null)[] {
  return state.visitors.map((_, v) => profileOf(state, v));
}

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

/**
 * Every state a merge pass can lead to: the runtime queues one command per marked profile in an
 * order it does not promise, and runs them one at a time. Distinct outcomes only.
 */
export function mergePassOutcomes(state: ModelState): ModelState[] {
  const marked = [...state.profiles.values()].filter((p) => p.marks.size > 0).map((p) => p.key);
  const outcomes = new Map<string, ModelState>();
  for (const order of permutations(marked)) {
    const next = cloneState(state);
    for (const key of order) autoMerge(next, key);
    next.clock += 1;
    const marks = [...next.profiles.values()].map((p) => [p.key, [...p.marks].sort()]);
    outcomes.set(JSON.stringify([partition(next), marks]), next);
  }
  return [...outcomes.values()];
}

/**
 * Pairs of live profiles that share an identifying merge id and whose identifier.ids do not differ:
 * after a merge pass there should be none ("profiles sharing a merge id become one", the rails
 * aside).
 */
export function unmergedSharing(state: ModelState): [number, number, string][] {
  const live = [...state.profiles.values()].sort((a, b) => a.key - b.key);
  const pairs: [number, number, string][] = [];
  for (const [i, a] of live.entries()) {
    for (const b of live.slice(i + 1)) {
      const shared = [...currentIds(a)].find((id) => currentIds(b).has(id));
      const idA = identifying(a.identifier?.value ?? null);
      const idB = identifying(b.identifier?.value ?? null);
      if (shared !== undefined && (idA === null || idB === null || idA === idB))
        pairs.push([a.key, b.key, shared]);
    }
  }
  return pairs;
}
