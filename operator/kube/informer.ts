import type { V1OwnerReference } from "@kubernetes/client-node";
import { errorMessage } from "../../runtime/error-message.js";
import { type BackoffOptions, backoffDelay, sleep } from "./backoff.js";
import { isStatus, type KubeWatcher, METADATA_ONLY } from "./http.js";
import { type ResourceRef, resourcePath } from "./resources.js";

/** The fields the informer needs; client-node's typed objects and our own Tracardi both fit. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    ownerReferences?: V1OwnerReference[];
  };
}

export type InformerEvent = "add" | "update" | "delete";
export type Handler<T> = (event: InformerEvent, obj: T) => void;

export interface InformerOptions<T extends KubeObject> {
  resource: ResourceRef;
  /** Watch one namespace, or all when undefined. */
  namespace?: string;
  labelSelector?: string;
  /** List and watch through the metadata-only API: the server never sends spec, data or status. */
  metadataOnly?: boolean;
  /** Shrink what the cache keeps (e.g. drop annotations). */
  transform?: (obj: T) => T;
  backoff?: BackoffOptions;
  /** Server-side watch timeout; the watch is then resumed from the last resourceVersion. */
  watchTimeoutSeconds?: number;
  onRestart?: (reason: string) => void;
  log?: (msg: string, err?: unknown) => void;
  /** A 403: the message names the verb, resource and namespace RBAC lacks. Called on every failed attempt. */
  onForbidden?: (message: string) => void;
}

interface ListResult<T> {
  /** null in a metadata-only (PartialObjectMetadataList) answer with nothing in it. */
  items: T[] | null;
  metadata?: { resourceVersion?: string; continue?: string };
}

interface WatchEvent<T> {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  object: T & { code?: number; message?: string };
}

const keyOf = (o: KubeObject) => `${o.metadata?.namespace ?? ""}/${o.metadata?.name ?? ""}`;

/**
 * List-then-watch cache. Unlike client-node's ListWatch it never stays stopped: any error relists after a
 * backoff; a normal end of the watch (server timeout) resumes from the last resourceVersion; 410 Gone
 * relists at once; a watchdog aborts watches that go silent (dropped TCP connections, see #596).
 */
export class Informer<T extends KubeObject> {
  private readonly cache = new Map<string, T>();
  private readonly handlers: Handler<T>[] = [];
  private resourceVersion = "";
  private synced = false;
  private readonly stopper = new AbortController();
  private current: AbortController | undefined;
  /** Set while the last list or watch was refused (403), cleared by the next success. */
  forbidden: string | undefined;
  private firstSync: Promise<void>;
  private resolveFirstSync: () => void = () => {};
  lastEventAt = Date.now();
  restarts = 0;

  constructor(
    private readonly http: KubeWatcher,
    private readonly options: InformerOptions<T>,
  ) {
    this.firstSync = new Promise((resolve) => {
      this.resolveFirstSync = resolve;
    });
  }

  get resource(): string {
    return this.options.resource.plural;
  }

  /** "secrets in namespace a" / "secrets in all namespaces", for log lines. */
  get scope(): string {
    const ns = this.options.namespace;
    return `${this.options.resource.plural} in ${ns ? `namespace ${ns}` : "all namespaces"}`;
  }

  on(handler: Handler<T>): void {
    this.handlers.push(handler);
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** Starts the loop; resolves after the first successful list. */
  start(): Promise<void> {
    void this.run();
    return this.firstSync;
  }

  stop(): void {
    this.stopper.abort();
    this.current?.abort();
  }

  get(namespace: string, name: string): T | undefined {
    return this.cache.get(`${namespace}/${name}`);
  }

  list(namespace?: string): T[] {
    const all = [...this.cache.values()];
    return namespace === undefined ? all : all.filter((o) => o.metadata?.namespace === namespace);
  }

  private emit(event: InformerEvent, obj: T): void {
    for (const h of this.handlers) {
      try {
        h(event, obj);
      } catch (err) {
        this.options.log?.(`${this.options.resource.plural} handler failed`, err);
      }
    }
  }

  /** managedFields are the bulk of every server-side-applied object and nothing here reads them. */
  private store(obj: T): T {
    const meta = obj.metadata as (KubeObject["metadata"] & { managedFields?: unknown }) | undefined;
    if (meta?.managedFields !== undefined) meta.managedFields = undefined;
    return this.options.transform ? this.options.transform(obj) : obj;
  }

  private async run(): Promise<void> {
    let failures = 0;
    const backoff = this.options.backoff ?? { baseMs: 1000, maxMs: 30_000 };
    while (!this.stopper.signal.aborted) {
      try {
        if (this.resourceVersion === "") await this.relist();
        const outcome = await this.watchOnce();
        failures = 0;
        if (outcome === "gone") {
          this.resourceVersion = "";
          this.restart("410 Gone: relisting");
        }
      } catch (err) {
        if (this.stopper.signal.aborted) break;
        failures += 1;
        if (isStatus(err, 403)) {
          this.forbidden = errorMessage(err);
          this.options.onForbidden?.(this.forbidden);
        }
        if (isStatus(err, 410)) {
          this.resourceVersion = "";
          this.restart("410 Gone: relisting");
          continue;
        }
        const delay = backoffDelay(failures, backoff);
        this.options.log?.(`${this.options.resource.plural} informer failed; retrying in ${delay} ms`, err);
        this.restart(errorMessage(err));
        this.resourceVersion = "";
        await sleep(delay, this.stopper.signal);
      }
    }
  }

  private restart(reason: string): void {
    this.restarts += 1;
    this.options.onRestart?.(reason);
  }

  private async relist(): Promise<void> {
    const items: T[] = [];
    let cont: string | undefined;
    let rv = "";
    do {
      const page = await this.http.request<ListResult<T>>({
        method: "GET",
        path: resourcePath(this.options.resource, this.options.namespace),
        query: { labelSelector: this.options.labelSelector, limit: "500", continue: cont },
        signal: this.stopper.signal,
        ...(this.options.metadataOnly ? { accept: METADATA_ONLY.list } : {}),
      });
      items.push(...(page.items ?? []));
      cont = page.metadata?.continue || undefined;
      rv = page.metadata?.resourceVersion ?? "";
    } while (cont);
    const seen = new Set<string>();
    for (const raw of items) {
      const obj = this.store(raw);
      const key = keyOf(obj);
      seen.add(key);
      const old = this.cache.get(key);
      this.cache.set(key, obj);
      if (!old) this.emit("add", obj);
      else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) this.emit("update", obj);
    }
    for (const [key, old] of this.cache) {
      if (!seen.has(key)) {
        this.cache.delete(key);
        this.emit("delete", old);
      }
    }
    this.resourceVersion = rv;
    this.lastEventAt = Date.now();
    this.forbidden = undefined;
    if (!this.synced) {
      this.synced = true;
      this.resolveFirstSync();
    }
  }

  /** Resolves "done" when the server ends the watch, "gone" on a 410 event; rejects on errors. */
  private async watchOnce(): Promise<"done" | "gone"> {
    const timeoutSeconds = this.options.watchTimeoutSeconds ?? 240 + Math.floor(Math.random() * 60);
    const controller = new AbortController();
    this.current = controller;
    if (this.stopper.signal.aborted) controller.abort();
    const signal = controller.signal;
    let gone = false;
    let silent = false;
    const silentLimitMs = (timeoutSeconds + 30) * 1000;
    const started = Date.now();
    const watchdog = setInterval(() => {
      if (Date.now() - Math.max(started, this.lastEventAt) > silentLimitMs) {
        silent = true;
        controller.abort();
      }
    }, 10_000);
    watchdog.unref();
    try {
      await this.http.watch(
        {
          path: resourcePath(this.options.resource, this.options.namespace),
          query: {
            resourceVersion: this.resourceVersion,
            allowWatchBookmarks: "true",
            timeoutSeconds: String(timeoutSeconds),
            labelSelector: this.options.labelSelector,
          },
          signal,
          ...(this.options.metadataOnly ? { accept: METADATA_ONLY.watch } : {}),
        },
        (event) =>
          this.onEvent(event as WatchEvent<T>, () => {
            gone = true;
            controller.abort();
          }),
      );
    } catch (err) {
      if (gone) return "gone";
      if (silent) throw new Error("watch went silent; restarting");
      throw err;
    } finally {
      clearInterval(watchdog);
    }
    this.forbidden = undefined;
    return gone ? "gone" : "done";
  }

  private onEvent(event: WatchEvent<T>, markGone: () => void): void {
    this.lastEventAt = Date.now();
    if (event.type === "ERROR") {
      if (event.object.code === 410) markGone();
      return;
    }
    const rv = event.object.metadata?.resourceVersion;
    if (rv) this.resourceVersion = rv;
    if (event.type === "BOOKMARK") return;
    const obj = this.store(event.object);
    const key = keyOf(obj);
    if (event.type === "DELETED") {
      this.cache.delete(key);
      this.emit("delete", obj);
      return;
    }
    const existed = this.cache.has(key);
    this.cache.set(key, obj);
    this.emit(existed ? "update" : "add", obj);
  }
}
