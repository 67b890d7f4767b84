import type { FastifyInstance } from "fastify";
import { newId } from "../../domain/ids.js";
import type { StoredFlow, StoredRule } from "../../ports/store.js";
import type { Runtime } from "../../runtime.js";
import { importTracardiFlow, type Problem, validateFlow, validateRule } from "../../stages/workflow/index.js";
import { HttpError, type ValidationDetail } from "../errors.js";
import { crudRoutes } from "./crud.js";

/** Problems of a flow or rule as a 422 body: where (`loc`), which node, what, and where in a condition. */
function unprocessable(problems: Problem[]): HttpError {
  const detail: (ValidationDetail & { node?: string; position?: Problem["position"] })[] = problems.map(
    (p) => ({
      loc: [
        "body",
        ...p.field
          .split(/[.[\]]+/)
          .filter((s) => s !== "")
          .map((s) => (/^\d+$/.test(s) ? Number(s) : s)),
      ],
      msg: p.node === undefined ? p.message : `node ${p.node}: ${p.message}`,
      type: "value_error.flow",
      ...(p.node === undefined ? {} : { node: p.node }),
      ...(p.position === undefined ? {} : { position: p.position }),
    }),
  );
  return new HttpError(422, detail);
}

/** Flows (`/api/v1/flows`, Tracardi import) and trigger rules (`/api/v1/rules`). */
export function workflowRoutes(app: FastifyInstance, runtime: Runtime): void {
  const { flows, rules, sources } = runtime.config;
  const changed = () => runtime.configChanged();

  const buildFlow = (input: unknown, id: string | null): StoredFlow => {
    const result = validateFlow(input);
    if (!result.ok) throw unprocessable(result.problems);
    return { ...result.flow, id: id ?? result.flow.id ?? newId() };
  };

  crudRoutes<StoredFlow, unknown>(app, {
    base: "/api/v1/flows",
    noun: "flow",
    collection: flows,
    build: buildFlow,
    blocksDelete: async (id) => {
      const users = (await rules.list()).filter((r) => r.flow.id === id);
      return users.length === 0
        ? null
        : `Flow \`${id}\` is used by rule(s) ${users.map((r) => r.id).join(", ")}.`;
    },
    changed,
  });

  app.post("/api/v1/flows/import", async (request, reply) => {
    const result = importTracardiFlow(request.body);
    if (!result.ok) {
      const unsupported = result.unsupported.map((u) => ({
        loc: ["body", "flowGraph", "nodes", u.id],
        msg: `node ${u.id}: ${u.module} is not supported (${u.reason})`,
        type: "value_error.unsupported_node",
        node: u.id,
      }));
      if (unsupported.length > 0) throw new HttpError(422, unsupported);
      throw unprocessable(result.problems);
    }
    const flow = await flows.put(buildFlow(result.flow, null));
    changed();
    return reply.code(201).send(flow);
  });

  crudRoutes<StoredRule, unknown>(app, {
    base: "/api/v1/rules",
    noun: "rule",
    collection: rules,
    build: async (input, id) => {
      const result = await validateRule(input, {
        sourceExists: async (sourceId) => (await sources.get(sourceId)) !== null,
        flowExists: async (flowId) => (await flows.get(flowId)) !== null,
      });
      if (!result.ok) throw unprocessable(result.problems);
      return { ...result.rule, id: id ?? result.rule.id ?? newId() };
    },
    changed,
  });
}
