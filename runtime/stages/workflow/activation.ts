import { deletePath, getPath, isPlainObject, setOwn, setPath } from "../../domain/paths.js";
import type { Json, JsonObject, Profile, Session, TrackedEvent } from "../../domain/types.js";
import { writeProblem } from "./access.js";
import type { HttpClient } from "./http.js";
import { type NodeContext, NodeError } from "./nodes/types.js";
import { renderTemplate, type Template } from "./template.js";
import type { Condition, PathRef } from "./tql/ast.js";
import { formatPath } from "./tql/ast.js";
import { evaluate, TqlEvaluationError } from "./tql/evaluate.js";
import { resolveValue, type ValueExpr } from "./values.js";

/** State shared by every node of one flow run. */
export interface RunState {
  event: TrackedEvent;
  profile: Profile | null;
  session: Session | null;
  sessionIsNew: boolean;
  memory: JsonObject;
  now: string;
  http: HttpClient;
  response: JsonObject;
  ux: Json[];
  mergeKeys: Set<string>;
  /** Merge keys of nodes with `force` (a subset of `mergeKeys`). */
  forceMergeKeys: Set<string>;
  changes: { profile: Set<string>; session: Set<string>; event: Set<string>; memory: Set<string> };
}

/**
 * One node activation. `payload@` writes go to a private copy of the input (copy on first write), so
 * a value fanned out to several branches is never changed behind another branch's back.
 */
export class Activation implements NodeContext {
  private current: Json;
  private copied = false;

  constructor(
    readonly nodeId: string,
    private readonly state: RunState,
    input: Json,
  ) {
    this.current = input;
  }

  get payload(): Json {
    return this.current;
  }
  get event(): TrackedEvent {
    return this.state.event;
  }
  get profile(): Profile | null {
    return this.state.profile;
  }
  get session(): Session | null {
    return this.state.session;
  }
  get sessionIsNew(): boolean {
    return this.state.sessionIsNew;
  }
  get now(): string {
    return this.state.now;
  }
  get http(): HttpClient {
    return this.state.http;
  }

  read = (ref: PathRef): Json | undefined => {
    const doc = this.document(ref.root);
    if (doc === undefined || doc === null) return undefined;
    return ref.path === "" ? (doc as Json) : getPath(doc, ref.path);
  };

  write(ref: PathRef, value: Json): void {
    const denied = writeProblem(ref);
    if (denied) throw new NodeError(denied);
    if (ref.root === "payload") {
      this.writePayload(ref.path, value);
      return;
    }
    const doc = this.writableDocument(ref);
    if (sameJson(getPath(doc, ref.path), value)) return;
    setPath(doc, ref.path, value);
    this.changed(ref);
  }

  remove(ref: PathRef): boolean {
    const denied = writeProblem(ref);
    if (denied) throw new NodeError(denied);
    if (ref.root === "payload") {
      if (ref.path === "" || !isPlainObject(this.current)) return false;
      this.ensureCopy();
      return deletePath(this.current as JsonObject, ref.path);
    }
    const removed = deletePath(this.writableDocument(ref), ref.path);
    if (removed) this.changed(ref);
    return removed;
  }

  resolve(expr: ValueExpr): Json | undefined {
    return resolveValue(expr, this.read);
  }

  render(template: Template): string {
    return renderTemplate(template, this.read);
  }

  test(condition: Condition): boolean {
    const context = {
      event: this.state.event,
      profile: this.state.profile,
      session: this.state.session,
      payload: this.current,
      memory: this.state.memory,
    };
    try {
      return evaluate(condition, context, Date.parse(this.state.now));
    } catch (error) {
      if (error instanceof TqlEvaluationError) throw new NodeError(`condition: ${error.message}`);
      throw error;
    }
  }

  requireProfile(): Profile {
    if (!this.state.profile) throw new NodeError("the event has no profile (profile-less event)");
    return this.state.profile;
  }

  setResponse(key: string, value: Json): void {
    setOwn(this.state.response, key, value);
  }

  addUx(item: Json): void {
    this.state.ux.push(item);
  }

  addMergeKeys(paths: string[], force = false): void {
    for (const path of paths) {
      this.state.mergeKeys.add(path);
      if (force) this.state.forceMergeKeys.add(path);
    }
  }

  private document(root: PathRef["root"]): unknown {
    switch (root) {
      case "payload":
        return this.current;
      case "event":
        return this.state.event;
      case "profile":
        return this.state.profile;
      case "session":
        return this.state.session;
      case "memory":
        return this.state.memory;
    }
  }

  private writableDocument(ref: PathRef): JsonObject {
    const doc = this.document(ref.root);
    if (doc === null || doc === undefined) {
      throw new NodeError(`cannot write ${formatPath(ref)}: the event has no ${ref.root}`);
    }
    return doc as JsonObject;
  }

  private changed(ref: PathRef): void {
    const { changes, profile, event, now } = this.state;
    switch (ref.root) {
      case "profile":
        changes.profile.add(ref.path);
        // Like event-to-profile mappings: merging and field-change logs read when/why a field changed.
        if (profile) setOwn(profile.metadata.fields, ref.path, [now, event.id]);
        return;
      case "session":
      case "event":
        changes[ref.root].add(ref.path);
        return;
      case "memory":
        changes.memory.add(ref.path.split(".")[0] as string);
        return;
      case "payload":
        return;
    }
  }

  private ensureCopy(): void {
    if (!this.copied) {
      this.current = structuredClone(this.current);
      this.copied = true;
    }
  }

  private writePayload(path: string, value: Json): void {
    if (path === "") {
      this.current = value;
      this.copied = true;
      return;
    }
    if (!isPlainObject(this.current))
      throw new NodeError(`cannot write payload@${path}: the payload is not an object`);
    this.ensureCopy();
    setPath(this.current as JsonObject, path, value);
  }
}

/** Strict equality for no-op detection (unlike TQL's `==`, no number/string coercion). */
function sameJson(a: Json | undefined, b: Json): boolean {
  if (a === b) return true;
  if (a === undefined || a === null || typeof a !== "object" || b === null || typeof b !== "object")
    return false;
  return JSON.stringify(a) === JSON.stringify(b);
}
