import type { Flow, NodeType } from "./model.js";
import type { NodeRun } from "./nodes/types.js";

export interface CompiledNode {
  id: string;
  type: NodeType;
  run: NodeRun;
  isStart: boolean;
  /** Output port → indexes (into CompiledFlow.nodes) of the nodes its edges reach, in edge order. */
  targets: Map<string, number[]>;
}

/** A validated flow ready to run many times: conditions parsed, nodes in topological order. */
export interface CompiledFlow {
  id: string | undefined;
  name: string;
  flow: Flow;
  nodes: CompiledNode[];
}
