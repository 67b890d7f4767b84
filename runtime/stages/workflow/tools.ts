import type { Json } from "../../domain/types.js";
import { writeProblem } from "./access.js";
import type { Problem } from "./model.js";
import type { CompileTools } from "./nodes/types.js";
import { parseTemplate, type Template } from "./template.js";
import type { Condition, PathRef } from "./tql/ast.js";
import { parseCondition, parsePath, TqlSyntaxError } from "./tql/parse.js";
import { compileValue, type ValueExpr } from "./values.js";

const PLACEHOLDER_PATH: PathRef = { root: "payload", path: "" };
const PLACEHOLDER_CONDITION: Condition = { kind: "exists", ref: PLACEHOLDER_PATH };

/** CompileTools that record problems for one node, under `prefix` (e.g. `nodes[2].config`). */
export function collectingTools(nodeId: string, prefix: string, problems: Problem[]): CompileTools {
  const report = (field: string, error: unknown): void => {
    if (error instanceof TqlSyntaxError) {
      problems.push({
        node: nodeId,
        field: `${prefix}.${field}`,
        message: error.message,
        position: error.position,
      });
    } else throw error;
  };
  return {
    path(field, text, options) {
      try {
        const ref = parsePath(text);
        const denied = options?.writable ? writeProblem(ref) : undefined;
        if (denied) problems.push({ node: nodeId, field: `${prefix}.${field}`, message: denied });
        return ref;
      } catch (error) {
        report(field, error);
        return PLACEHOLDER_PATH;
      }
    },
    condition(field, text) {
      try {
        return parseCondition(text);
      } catch (error) {
        report(field, error);
        return PLACEHOLDER_CONDITION;
      }
    },
    value(field, value: Json): ValueExpr {
      try {
        return compileValue(value);
      } catch (error) {
        report(field, error);
        return { kind: "literal", value: null };
      }
    },
    template(field, text): Template {
      try {
        return parseTemplate(text);
      } catch (error) {
        report(field, error);
        return [];
      }
    },
    problem(field, message) {
      problems.push({ node: nodeId, field: `${prefix}.${field}`, message });
    },
  };
}
