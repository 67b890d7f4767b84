import type { FastifyInstance } from "fastify";
import { newId } from "../../domain/ids.js";
import type { StoredFlow, StoredRule } from "../../ports/store.js";
import type { Runtime } from "../../runtime.js";
import { importTracardiFlow, type Problem, validateFlow, validateRule } from "../../stages/workflow/index.js";
import { HttpError, type ValidationDetail } from "../errors.js";

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

  const saveFlow = async (input: unknown, id: string | null): Promise<StoredFlow> => {
    const result = validateFlow(input);
    if (!result.ok) throw unprocessable(result.problems);
    const flow: StoredFlow = { ...result.flow, id: id ?? result.flow.id ?? newId() };
    await flows.put(flow);
    runtime.configChanged();
    return flow;
  };

  app.get("/api/v1/flows", async () => {
    const items = await flows.list();
    return { total: items.length, items };
  });
  app.get<{ Params: { id: string } }>("/api/v1/flows/:id", async (request) => {
    return (
      (await flows.get(request.params.id)) ??
      Promise.reject(new HttpError(404, `No flow with id \`${request.params.id}\`.`))
    );
  });
  app.post("/api/v1/flows", async (request, reply) =>
    reply.code(201).send(await saveFlow(request.body, null)),
  );
  app.put<{ Params: { id: string } }>("/api/v1/flows/:id", async (request) =>
    saveFlow(request.body, request.params.id),
  );
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
    return reply.code(201).send(await saveFlow(result.flow, null));
  });
  app.delete<{ Params: { id: string } }>("/api/v1/flows/:id", async (request, reply) => {
    const users = (await rules.list()).filter((r) => r.flow.id === request.params.id);
    if (users.length > 0) {
      throw new HttpError(
        409,
        `Flow \`${request.params.id}\` is used by rule(s) ${users.map((r) => r.id).join(", ")}.`,
      );
    }
    if (!(await flows.delete(request.params.id)))
      throw new HttpError(404, `No flow with id \`${request.params.id}\`.`);
    runtime.configChanged();
    return reply.code(204).send();
  });

  const saveRule = async (input: unknown, id: string | null): Promise<StoredRule> => {
    const result = await validateRule(input, {
      sourceExists: async (sourceId) => (await sources.get(sourceId)) !== null,
      flowExists: async (flowId) => (await flows.get(flowId)) !== null,
    });
    if (!result.ok) throw unprocessable(result.problems);
    const rule: StoredRule = { ...result.rule, id: id ?? result.rule.id ?? newId() };
    await rules.put(rule);
    runtime.configChanged();
    return rule;
  };
  app.get("/api/v1/rules", async () => {
    const items = await rules.list();
    return { total: items.length, items };
  });
  app.get<{ Params: { id: string } }>("/api/v1/rules/:id", async (request) => {
    return (
      (await rules.get(request.params.id)) ??
      Promise.reject(new HttpError(404, `No rule with id \`${request.params.id}\`.`))
    );
  });
  app.post("/api/v1/rules", async (request, reply) =>
    reply.code(201).send(await saveRule(request.body, null)),
  );
  app.put<{ Params: { id: string } }>("/api/v1/rules/:id", async (request) =>
    saveRule(request.body, request.params.id),
  );
  app.delete<{ Params: { id: string } }>("/api/v1/rules/:id", async (request, reply) => {
    if (!(await rules.delete(request.params.id)))
      throw new HttpError(404, `No rule with id \`${request.params.id}\`.`);
    runtime.configChanged();
    return reply.code(204).send();
  });
}
