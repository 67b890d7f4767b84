import { describe, expect, it, vi } from "vitest";
import { chain, context, edge, makeEvent, makeProfile } from "./fixtures.js";
import type { HttpClient, HttpRequest } from "./http.js";
import type { FlowNode } from "./model.js";
import { runFlow } from "./runner.js";
import { compileFlow } from "./validate.js";

function flow(nodes: FlowNode[], edges: ReturnType<typeof edge>[]) {
  return compileFlow({ id: "f-1", name: "t", nodes, edges });
}

const branching = flow(
  [
    { id: "s", type: "start" },
    { id: "if", type: "if", config: { condition: 'event@properties.plan == "pro"' } },
    { id: "pro", type: "add-segment", config: { segment: "pro" } },
    { id: "free", type: "add-segment", config: { segment: "free" } },
  ],
  [edge("s", "payload", "if"), edge("if", "true", "pro"), edge("if", "false", "free")],
);

describe("runFlow", () => {
  it("passes the event as payload from start along the edges", async () => {
    const compiled = chain({
      type: "copy-data",
      config: { from: "payload@properties.a", to: "profile@traits.a" },
    });
    const ctx = context({ event: makeEvent("purchase", { a: 42 }) });
    const result = await runFlow(compiled, ctx);
    expect(ctx.profile?.traits.a).toBe(42);
    expect(result.errors).toEqual([]);
    expect(result.changes.profile).toEqual(["traits.a"]);
    expect(result.trace).toEqual([
      { node: "s", ports: ["payload"] },
      { node: "n1", ports: ["payload"] },
    ]);
  });

  it("follows only the branch the if node takes", async () => {
    const pro = context({ event: makeEvent("purchase", { plan: "pro" }) });
    await runFlow(branching, pro);
    expect(pro.profile?.segments).toEqual(["pro"]);
    const free = context({ event: makeEvent("purchase", { plan: "basic" }) });
    const result = await runFlow(branching, free);
    expect(free.profile?.segments).toEqual(["free"]);
    expect(result.trace.map((t) => t.node)).toEqual(["s", "if", "free"]);
  });

  it("runs nothing past a start node whose event types do not match", async () => {
    const compiled = flow(
      [
        { id: "s", type: "start", config: { event_types: ["page-view"] } },
        { id: "v", type: "increase-views" },
      ],
      [edge("s", "payload", "v")],
    );
    const ctx = context({ event: makeEvent("purchase") });
    const result = await runFlow(compiled, ctx);
    expect(result.trace).toEqual([{ node: "s", ports: [] }]);
    expect(ctx.profile?.stats.views).toBe(0);
    await runFlow(compiled, context({ event: makeEvent("page-view"), profile: ctx.profile }));
    expect(ctx.profile?.stats.views).toBe(1);
  });

  it("runs a node once per value that reaches it (two branches joining)", async () => {
    const compiled = flow(
      [
        { id: "s", type: "start" },
        { id: "a", type: "increase-views" },
        { id: "b", type: "increase-visits" },
        { id: "join", type: "increment", config: { path: "profile@stats.counters.joined" } },
      ],
      [
        edge("s", "payload", "a"),
        edge("s", "payload", "b"),
        edge("a", "payload", "join"),
        edge("b", "payload", "join"),
      ],
    );
    const ctx = context();
    const result = await runFlow(compiled, ctx);
    expect(ctx.profile?.stats.counters.joined).toBe(2);
    expect(result.trace.map((t) => t.node)).toEqual(["s", "a", "b", "join", "join"]);
  });

  it("increments a counter exactly N times over N runs, mutating the given profile in place", async () => {
    const compiled = chain(
      { type: "increment", config: { path: "profile@stats.counters.purchases" } },
      { type: "increase-views" },
    );
    const profile = makeProfile();
    const N = 25;
    for (let i = 0; i < N; i++) {
      const ctx = context({ profile, event: makeEvent("purchase", {}, `e-${i}`) });
      const result = await runFlow(compiled, ctx);
      expect(ctx.profile).toBe(profile);
      expect(result.changes.profile).toEqual(["stats.counters.purchases", "stats.views"]);
    }
    expect(profile.stats.counters.purchases).toBe(N);
    expect(profile.stats.views).toBe(N);
    expect(profile.metadata.fields["stats.views"]).toEqual([expect.any(String), `e-${N - 1}`]);
  });

  it("records a node error and goes on with other branches", async () => {
    const compiled = flow(
      [
        { id: "s", type: "start" },
        { id: "bad", type: "increment", config: { path: "profile@traits.name" } },
        { id: "after", type: "increase-visits" },
        { id: "good", type: "increase-views" },
      ],
      [edge("s", "payload", "bad"), edge("bad", "payload", "after"), edge("s", "payload", "good")],
    );
    const ctx = context();
    ctx.profile!.traits.name = "Ann";
    const result = await runFlow(compiled, ctx);
    expect(result.errors).toEqual([
      { node: "bad", type: "increment", message: "profile@traits.name is not a number" },
    ]);
    expect(ctx.profile?.stats.views).toBe(1);
    expect(ctx.profile?.stats.visits).toBe(0);
  });

  it("reports profile writes on a profile-less event as node errors", async () => {
    const compiled = chain(
      { type: "copy-data", config: { value: 1, to: "profile@traits.a" } },
      { type: "increase-views" },
    );
    const result = await runFlow(compiled, context({ profile: null }));
    expect(result.errors).toEqual([
      { node: "n1", type: "copy-data", message: "cannot write profile@traits.a: the event has no profile" },
    ]);
  });

  it("evaluates date functions at the run's now, and fails an if node on a value that is no date", async () => {
    const compiled = flow(
      [
        { id: "s", type: "start" },
        {
          id: "if",
          type: "if",
          config: {
            condition:
              'datetime.offset(event@properties.at, "1h") > now() AND now() == datetime(event@properties.now)',
          },
        },
        { id: "yes", type: "add-segment", config: { segment: "last-hour" } },
      ],
      [edge("s", "payload", "if"), edge("if", "true", "yes")],
    );
    // fixtures' NOW is 2024-05-01T10:00:00Z; the runner must use it, not the clock.
    const recent = context({
      event: makeEvent("purchase", { at: "2024-05-01T09:30:00Z", now: "2024-05-01T10:00:00Z" }),
    });
    expect((await runFlow(compiled, recent)).errors).toEqual([]);
    expect(recent.profile?.segments).toEqual(["last-hour"]);
    const bad = context({ event: makeEvent("purchase", { at: "half past nine" }) });
    const result = await runFlow(compiled, bad);
    expect(result.errors).toEqual([
      {
        node: "if",
        type: "if",
        message: expect.stringContaining('condition: datetime.offset(): "half past nine" is not a date'),
      },
    ]);
    expect(bad.profile?.segments).toEqual([]);
  });

  it("turns an unexpected exception into a node error", async () => {
    const compiled = chain({ type: "increase-views" });
    const broken = makeProfile();
    (broken as { stats: unknown }).stats = null;
    const result = await runFlow(compiled, context({ profile: broken }));
    expect(result.errors[0]?.message).toMatch(/^unexpected error: /);
  });

  it("gives each branch its own copy of a payload it changes", async () => {
    const compiled = flow(
      [
        { id: "s", type: "start" },
        { id: "w", type: "copy-data", config: { value: "changed", to: "payload@properties.a" } },
        {
          id: "r1",
          type: "copy-data",
          config: { from: "payload@properties.a", to: "profile@traits.branch1" },
        },
        {
          id: "r2",
          type: "copy-data",
          config: { from: "payload@properties.a", to: "profile@traits.branch2" },
        },
      ],
      [edge("s", "payload", "w"), edge("w", "payload", "r1"), edge("s", "payload", "r2")],
    );
    const ctx = context({ event: makeEvent("purchase", { a: "original" }) });
    await runFlow(compiled, ctx);
    expect(ctx.profile?.traits).toEqual({ branch1: "changed", branch2: "original" });
    expect(ctx.event.properties.a).toBe("original");
  });

  it("collects response keys over several create-response nodes", async () => {
    const compiled = chain(
      { type: "create-response", config: { key: "greeting", value: "hi" } },
      { type: "create-response", config: { value: { views: "profile@stats.views", fixed: 1 } } },
    );
    const result = await runFlow(compiled, context());
    expect(result.response).toEqual({ greeting: "hi", views: 0, fixed: 1 });
  });

  it("accumulates merge keys of several merge nodes (Tracardi #875)", async () => {
    const compiled = chain(
      { type: "merge-profiles", config: { keys: ["profile@data.contact.email.main"] } },
      {
        type: "merge-profiles",
        config: { keys: ["profile@data.contact.phone.mobile", "profile@data.contact.email.main"] },
      },
    );
    const result = await runFlow(compiled, context());
    expect(result.mergeKeys).toEqual(["data.contact.email.main", "data.contact.phone.mobile"]);
  });

  it("is deterministic: same flow and inputs give the same result", async () => {
    const run = async () => {
      const ctx = context({ event: makeEvent("purchase", { plan: "pro" }) });
      return { result: await runFlow(branching, ctx), profile: ctx.profile };
    };
    expect(await run()).toEqual(await run());
  });

  it("stops a run that exceeds the activation limit", async () => {
    const compiled = flow(
      [
        { id: "s", type: "start" },
        { id: "a", type: "end" },
      ],
      [edge("s", "payload", "a"), edge("s", "payload", "a"), edge("s", "payload", "a")],
    );
    const result = await runFlow(compiled, context(), { maxActivations: 3 });
    expect(result.errors).toEqual([
      { node: "a", type: "end", message: "more than 3 node activations in one run" },
    ]);
  });
});

describe("remote-call", () => {
  const call = (config: Record<string, unknown>) =>
    flow(
      [
        { id: "s", type: "start" },
        { id: "call", type: "remote-call", config: config as never },
        { id: "ok", type: "copy-data", config: { from: "payload@body", to: "profile@traits.remote" } },
        { id: "fail", type: "copy-data", config: { from: "payload@", to: "profile@traits.failure" } },
      ],
      [edge("s", "payload", "call"), edge("call", "response", "ok"), edge("call", "error", "fail")],
    );

  it("sends the configured request through the injected client and routes a 2xx to response", async () => {
    const requests: HttpRequest[] = [];
    const http: HttpClient = async (request) => {
      requests.push(request);
      return { status: 200, headers: { "content-type": "application/json" }, body: '{"score": 7}' };
    };
    const compiled = call({
      url: "https://api.example.test/score/{{event@properties.sku}}",
      headers: { authorization: "Bearer t" },
      body: { profile: "profile@id", fixed: true },
      timeout_ms: 500,
    });
    const ctx = context({ event: makeEvent("purchase", { sku: "A1" }) });
    const result = await runFlow(compiled, ctx, { http });
    expect(requests).toEqual([
      {
        method: "POST",
        url: "https://api.example.test/score/A1",
        headers: { authorization: "Bearer t", "content-type": "application/json" },
        body: '{"profile":"p-1","fixed":true}',
        timeoutMs: 500,
      },
    ]);
    expect(ctx.profile?.traits.remote).toEqual({ score: 7 });
    expect(result.errors).toEqual([]);
  });

  it("routes a non-2xx answer and a thrown error to the error port", async () => {
    const http = vi.fn<HttpClient>().mockResolvedValueOnce({ status: 500, headers: {}, body: "boom" });
    const ctx = context();
    await runFlow(call({ url: "http://x.test/", method: "GET", body: { a: 1 } }), ctx, { http });
    expect(http.mock.calls[0]?.[0]).not.toHaveProperty("body");
    expect(ctx.profile?.traits.failure).toEqual({
      status: 500,
      headers: {},
      body: "boom",
      message: "HTTP 500",
    });

    const down: HttpClient = async () => {
      throw new Error("connect ECONNREFUSED");
    };
    const ctx2 = context();
    const result = await runFlow(call({ url: "http://x.test/" }), ctx2, { http: down });
    expect(ctx2.profile?.traits.failure).toEqual({ status: null, message: "connect ECONNREFUSED" });
    expect(ctx2.profile?.traits.remote).toBeUndefined();
    expect(result.errors).toEqual([]);
  });

  it("takes its url from a template and refuses a rendered url that is not http(s)", async () => {
    const http = vi.fn<HttpClient>().mockResolvedValue({ status: 204, headers: {}, body: "" });
    const compiled = call({ url: "{{event@properties.hook}}" });
    await runFlow(compiled, context({ event: makeEvent("purchase", { hook: "https://h.test/x" }) }), {
      http,
    });
    expect(http.mock.calls[0]?.[0].url).toBe("https://h.test/x");
    const ctx = context({ event: makeEvent("purchase", { hook: "file:///etc/passwd" }) });
    await runFlow(compiled, ctx, { http });
    expect(http).toHaveBeenCalledTimes(1);
    expect(ctx.profile?.traits.failure).toEqual({
      status: null,
      message: "not an http(s) url: file:///etc/passwd",
    });
  });

  it("fails onto the error port when no client is injected", async () => {
    const ctx = context();
    await runFlow(call({ url: "http://x.test/" }), ctx);
    expect(ctx.profile?.traits.failure).toMatchObject({
      status: null,
      message: expect.stringMatching(/disabled/),
    });
  });
});
