import { Background, Controls, type Edge, MarkerType, type Node, Position, ReactFlow } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import type { Graph } from "../lib/flow-graph";

/** A flow drawn read-only; nodes named in `problems` are marked and show their messages. */
export function FlowGraph({ graph, problems }: { graph: Graph; problems?: Map<string, string[]> }) {
  const nodes: Node[] = graph.nodes.map((n) => {
    const messages = problems?.get(n.id) ?? [];
    return {
      id: n.id,
      position: { x: n.x, y: n.y },
      // Laid out left to right.
      sourcePosition: Position.Right,
      targetPosition: Position.Left,
      className: messages.length > 0 ? "flow-node flow-node-error" : "flow-node",
      data: {
        label: (
          <div data-testid={`flow-node-${n.id}`}>
            <div className="flow-node-type">{n.label}</div>
            {n.detail && <div className="flow-node-id">{n.detail}</div>}
            {messages.map((m) => (
              <div key={m} className="flow-node-problem">
                {m}
              </div>
            ))}
          </div>
        ),
      },
    };
  });
  const edges: Edge[] = graph.edges.map((e) => ({
    id: e.id,
    source: e.source,
    target: e.target,
    label: e.label,
    markerEnd: { type: MarkerType.ArrowClosed },
  }));
  return (
    <div className="flow-canvas" data-testid="flow-graph">
      <ReactFlow
        nodes={nodes}
        edges={edges}
        fitView
        fitViewOptions={{ maxZoom: 1, padding: 0.25 }}
        nodesDraggable={false}
        nodesConnectable={false}
        elementsSelectable={false}
        proOptions={{ hideAttribution: true }}
      >
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
