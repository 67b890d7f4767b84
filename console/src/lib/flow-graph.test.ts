import { describe, expect, it } from "vitest";
import { exportGraph, layoutFlow } from "./flow-graph";

const edge = (source: string, target: string, sourcePort = "payload") => ({
  source,
  sourcePort,
  target,
  targetPort: "payload",
});

describe("layoutFlow", () => {
  it("puts each node one column after its furthest parent, rows in order", () => {
    const graph = layoutFlow(
      [
        { id: "start", type: "start" },
        { id: "if", type: "if" },
        { id: "yes", type: "add-tag" },
        { id: "no", type: "add-tag" },
        { id: "end", type: "end" },
      ],
      [
        edge("start", "if"),
        edge("if", "yes", "true"),
        edge("if", "no", "false"),
        edge("yes", "end"),
        edge("no", "end"),
      ],
    );
    const at = Object.fromEntries(graph.nodes.map((n) => [n.id, [n.x / 240, n.y / 110]]));
    expect(at).toEqual({ start: [0, 0], if: [1, 0], yes: [2, 0], no: [2, 1], end: [3, 0] });
    expect(graph.edges.map((e) => e.label)).toEqual([undefined, "true", "false", undefined, undefined]);
  });

  it("ends on a cycle instead of recursing forever", () => {
    const graph = layoutFlow(
      [
        { id: "a", type: "x" },
        { id: "b", type: "x" },
      ],
      [edge("a", "b"), edge("b", "a")],
    );
    expect(graph.nodes).toHaveLength(2);
  });
});

describe("exportGraph", () => {
  it("draws a Tracardi export where Tracardi placed its nodes", () => {
    const graph = exportGraph({
      flowGraph: {
        nodes: [
          {
            id: "n1",
            position: { x: 10, y: 20 },
            data: { name: "Start", spec: { className: "StartAction", module: "m.start" } },
          },
          { id: "n2", data: { spec: { className: "IncreaseViewsAction" } } },
        ],
        edges: [{ id: "e", source: "n1", target: "n2" }],
      },
    });
    expect(graph?.nodes[0]).toEqual({ id: "n1", label: "Start", detail: "m.start", x: 10, y: 20 });
    expect(graph?.nodes[1]).toMatchObject({ id: "n2", label: "IncreaseViewsAction" });
    expect(graph?.edges).toEqual([{ id: "e", source: "n1", target: "n2" }]);
  });

  it("is null for what is not an export", () => {
    expect(exportGraph({ nodes: [] })).toBeNull();
    expect(exportGraph(null)).toBeNull();
  });
});
