/** The workflow engine (tracardi.md §7): TQL, flow validation and import, the runner, trigger rules. */
export type { CompiledFlow } from "./compiled.js";
export { type HttpClient, type HttpRequest, type HttpResponse, noHttp } from "./http.js";
export {
  type ImportResult,
  importTracardiFlow,
  SUPPORTED_TRACARDI_MODULES,
  type UnsupportedNode,
} from "./import.js";
export { type Flow, type FlowEdge, type FlowNode, NODE_TYPES, type NodeType, type Problem } from "./model.js";
export { matchRules, type Rule, type RuleReferences, type RuleValidation, validateRule } from "./rules.js";
export {
  type Changes,
  type FlowRunResult,
  type NodeFailure,
  type RunContext,
  type RunOptions,
  runFlow,
} from "./runner.js";
export type { Condition, PathRef, PathRoot } from "./tql/ast.js";
export { type ConditionContext, evaluate } from "./tql/evaluate.js";
export {
  ConditionSyntaxError,
  parseCondition,
  parsePath,
  type SourcePosition,
  TqlSyntaxError,
} from "./tql/parse.js";
export { compileFlow, type FlowValidation, FlowValidationError, validateFlow } from "./validate.js";
export { runWorkflows, type WorkflowJob, type WorkflowsContext, type WorkflowsResult } from "./workflows.js";
