import { randomUUID } from "node:crypto";
import { expect } from "vitest";
import type { RuntimeProcess } from "./harness.js";

/** What the merge tests read of `GET /api/v1/profiles/{id}`. */
export interface ProfileDoc {
  id: string;
  ids: string[];
  stats: { visits: number; views: number };
  data: { identifier?: { id?: string }; contact?: { email?: { main?: string } } };
  metadata: {
    time: { visit: { count: number } };
    system: {
      aux: {
        auto_merge: string[];
        merge_skipped?: { reason: string; profiles: string[]; merge_ids: string[]; at: string }[];
      };
    };
  };
}

/**
 * The merge rails' reproductions (issue 11) over HTTP, on whatever runs them: the standalone
 * runtime (one process is every role) or the production topology (separate APIs and workers).
 */
export class MergeRig {
  constructor(
    /** Takes `/track`. */
    private readonly publicApi: RuntimeProcess,
    /** Serves the admin API. */
    private readonly privateApi: RuntimeProcess,
    /** `/metrics` of the process that runs merges (the collector stage), so it counts the skips. */
    private readonly metricsUrl: string,
    readonly source = "web",
    private readonly drainTimeoutMs = 20_000,
  ) {}

  /** The source, and merge-rails' counting flow: each `count-me` event runs increase-visits, then increase-views. */
  async setUp(): Promise<void> {
    await this.privateApi.createSource(this.source);
    const flow = await this.privateApi.admin<{ id: string }>("POST", "/api/v1/flows", {
      name: "count visits and views",
      nodes: [
        { id: "start", type: "start" },
        { id: "visits", type: "increase-visits" },
        { id: "views", type: "increase-views" },
      ],
      edges: [edge("start", "visits"), edge("visits", "views")],
    });
    expect(flow.status).toBe(201);
    const rule = await this.privateApi.admin("POST", "/api/v1/rules", {
      name: "count",
      source: { id: this.source },
      event_type: { id: "count-me" },
      flow: { id: flow.body.id },
      enabled: true,
    });
    expect(rule.status).toBe(201);
  }

  /** Sends one payload; returns the profile id it was given. */
  async send(session: string, events: Record<string, unknown>[], profile?: string): Promise<string> {
    const res = await this.publicApi.track({
      source: { id: this.source },
      session: { id: session },
      ...(profile ? { profile: { id: profile } } : {}),
      events,
    });
    expect(res.status).toBe(200);
    return res.body.profile?.id as string;
  }

  /** One visitor identifying in a new session; returns the profile id. */
  identify(properties: Record<string, unknown>, profile?: string): Promise<string> {
    return this.send(randomUUID(), [{ type: "identification", properties }], profile);
  }

  async profileOf(id: string): Promise<ProfileDoc> {
    const res = await this.privateApi.profile(id);
    expect(res.status).toBe(200);
    return res.body as unknown as ProfileDoc;
  }

  drained(): Promise<void> {
    return this.privateApi.drained(this.drainTimeoutMs);
  }

  /** A merge pass once everything sent is stored, then until its merges are stored too. */
  async mergePass(): Promise<void> {
    await this.drained();
    const pass = await this.privateApi.admin("POST", "/api/v1/merge");
    expect(pass.status).toBe(200);
    await this.drained();
  }

  /** A forced merge of exactly these profiles (`POST /api/v1/merge {"profiles": [...]}`), until stored. */
  async forceMerge(profiles: string[]): Promise<void> {
    const forced = await this.privateApi.admin("POST", "/api/v1/merge", { profiles });
    expect(forced.status).toBe(200);
    await this.drained();
  }

  async skippedMetric(reason: string): Promise<number> {
    const text = await (await fetch(this.metricsUrl)).text();
    const line = text
      .split("\n")
      .find((l) => l.startsWith(`tracardi_merges_skipped_total{reason="${reason}"}`));
    return line === undefined ? 0 : Number(line.split(" ").pop());
  }

  /** Two visitors identifying with this e-mail and identifier.id stay apart after a merge pass. */
  async expectPlaceholderKeepsApart(placeholder: string): Promise<void> {
    const a = await this.identify({ email: { main: placeholder }, id: placeholder });
    const b = await this.identify({ email: { main: placeholder }, id: placeholder });
    expect(a).not.toBe(b);
    await this.mergePass();
    for (const id of [a, b]) {
      const profile = await this.profileOf(id);
      expect(profile.id).toBe(id);
      expect(profile.ids).toEqual([id]);
      expect(profile.data.contact?.email?.main).toBe(placeholder);
    }
  }

  /**
   * A person's e-mail changes: the old address's merge id leaves the profile, and a stranger later
   * identifying with the old address is merged with nobody.
   */
  async expectChangedEmailMergesNothing(): Promise<void> {
    const oldEmail = `${randomUUID()}@old.test`;
    const person = await this.identify({ email: { main: oldEmail } });
    await this.mergePass();
    const oldIds = (await this.profileOf(person)).ids.filter((id) => id.startsWith("emm-"));
    expect(oldIds).toHaveLength(1);

    await this.identify({ email: { main: `${randomUUID()}@new.test` } }, person);
    await this.drained();
    const changed = await this.profileOf(person);
    expect(changed.ids).not.toContain(oldIds[0]);
    expect(changed.ids.filter((id) => id.startsWith("emm-"))).toHaveLength(1);

    const stranger = await this.identify({ email: { main: oldEmail } });
    await this.mergePass();
    expect((await this.profileOf(stranger)).id).toBe(stranger);
    expect((await this.profileOf(person)).id).toBe(person);
  }
}

const edge = (source: string, target: string) => ({
  source,
  sourcePort: "payload",
  target,
  targetPort: "payload",
});
