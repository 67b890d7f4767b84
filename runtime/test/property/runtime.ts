import { RuntimeProcess } from "../harness.js";

/**
 * The standalone runtime the merge property runs against: merging on, no timed merge pass (the test
 * runs each one), source `web`, and two flows the model counts: `view-me` runs `increase-views`,
 * `visit-me` runs `increase-visits`.
 */
export async function startCountingRuntime(): Promise<RuntimeProcess> {
  const rt = await RuntimeProcess.start({
    TRACARDI_MERGE_INTERVAL_MS: "0",
    TRACARDI_AUTO_PROFILE_MERGING: "a-salt-of-twenty-chars-or-more",
  });
  try {
    await rt.createSource("web");
    for (const [eventType, node] of [
      ["view-me", "increase-views"],
      ["visit-me", "increase-visits"],
    ]) {
      const flow = await rt.admin<{ id: string }>("POST", "/api/v1/flows", {
        name: `${eventType} runs ${node}`,
        nodes: [
          { id: "start", type: "start" },
          { id: "count", type: node },
        ],
        edges: [{ source: "start", sourcePort: "payload", target: "count", targetPort: "payload" }],
      });
      if (flow.status !== 201) throw new Error(`flow not saved: ${JSON.stringify(flow.body)}`);
      const rule = await rt.admin("POST", "/api/v1/rules", {
        name: eventType,
        source: { id: "web" },
        event_type: { id: eventType },
        flow: { id: flow.body.id },
        enabled: true,
      });
      if (rule.status !== 201) throw new Error(`rule not saved: ${JSON.stringify(rule.body)}`);
    }
    return rt;
  } catch (error) {
    await rt.stop();
    throw error;
  }
}
