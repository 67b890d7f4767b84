import type { KubeWatcher } from "./http.js";
import { type Handler, Informer, type InformerOptions, type KubeObject } from "./informer.js";

/**
 * One informer per watched namespace, read as one cache: what a namespaced operator (Roles, no
 * ClusterRoles) needs, since a cluster-wide list is exactly what its RBAC refuses. Without namespaces it
 * is a single cluster-wide informer.
 */
export class NamespacedInformers<T extends KubeObject> {
  readonly members: Informer<T>[];

  constructor(
    http: KubeWatcher,
    namespaces: readonly string[] | undefined,
    options: Omit<InformerOptions<T>, "namespace">,
  ) {
    this.members =
      namespaces && namespaces.length > 0
        ? namespaces.map((namespace) => new Informer<T>(http, { ...options, namespace }))
        : [new Informer<T>(http, options)];
  }

  get resource(): string {
    return (this.members[0] as Informer<T>).resource;
  }

  get lastEventAt(): number {
    return Math.min(...this.members.map((m) => m.lastEventAt));
  }

  on(handler: Handler<T>): void {
    for (const m of this.members) m.on(handler);
  }

  async start(): Promise<void> {
    await Promise.all(this.members.map((m) => m.start()));
  }

  stop(): void {
    for (const m of this.members) m.stop();
  }

  hasSynced(): boolean {
    return this.members.every((m) => m.hasSynced());
  }

  get(namespace: string, name: string): T | undefined {
    for (const m of this.members) {
      const found = m.get(namespace, name);
      if (found) return found;
    }
    return undefined;
  }

  list(namespace?: string): T[] {
    return this.members.flatMap((m) => m.list(namespace));
  }
}
