import type { Json, JsonObject, Profile, Session, TrackedEvent } from "../../../domain/types.js";
import type { HttpClient } from "../http.js";
import type { Template } from "../template.js";
import type { Condition, PathRef } from "../tql/ast.js";
import type { ValueExpr } from "../values.js";

/** One result of a node activation: the value travels along the edges leaving `port`. */
export interface NodeOutput {
  port: string;
  value: Json;
}

/** A node error: recorded in the run result; the branch stops, other branches go on. */
export class NodeError extends Error {
  override readonly name = "NodeError";
}

/** What a node sees while it runs (one activation). */
export interface NodeContext {
  readonly nodeId: string;
  /** The input value, with this activation's `payload@` writes applied. */
  readonly payload: Json;
  readonly event: TrackedEvent;
  readonly profile: Profile | null;
  readonly session: Session | null;
  /** The session was created by the payload being processed (Tracardi's `session.is_new()`). */
  readonly sessionIsNew: boolean;
  readonly now: string;
  readonly http: HttpClient;
  read(ref: PathRef): Json | undefined;
  /** Throws NodeError for a read-only field or a missing profile/session. */
  write(ref: PathRef, value: Json): void;
  remove(ref: PathRef): boolean;
  resolve(expr: ValueExpr): Json | undefined;
  render(template: Template): string;
  test(condition: Condition): boolean;
  /** The profile, or a NodeError for profile-less events. */
  requireProfile(): Profile;
  setResponse(key: string, value: Json): void;
  addUx(item: Json): void;
  /**
   * Merge keys as profile paths (`data.contact.email.main`); they accumulate over the run. `force`:
   * the merge they find skips the identifier and shared-value rails.
   */
  addMergeKeys(paths: string[], force?: boolean): void;
}

export type NodeRun = (context: NodeContext) => NodeOutput[] | Promise<NodeOutput[]>;

/** Turns config fields into parsed forms, recording problems instead of throwing. */
export interface CompileTools {
  path(field: string, text: string, options?: { writable?: boolean }): PathRef;
  condition(field: string, text: string): Condition;
  value(field: string, value: Json): ValueExpr;
  template(field: string, text: string): Template;
  problem(field: string, message: string): void;
}

export interface NodeDefinition<C = JsonObject> {
  inputs: readonly string[];
  outputs: readonly string[];
  /** JSON schema of `config` (ajv, defaults applied). */
  schema: JsonObject;
  compile(config: C, tools: CompileTools): NodeRun;
}

/** Helper so each node file declares its config type once. */
export function defineNode<C>(definition: NodeDefinition<C>): NodeDefinition<C> {
  return definition;
}

export const PAYLOAD_IN = ["payload"] as const;
export const PAYLOAD_OUT = ["payload"] as const;

export function passThrough(context: NodeContext): NodeOutput[] {
  return [{ port: "payload", value: context.payload }];
}
