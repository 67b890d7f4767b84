import type { FastifyInstance } from "fastify";
import type { ConfigCollection } from "../../ports/store.js";
import { HttpError } from "../errors.js";

export interface CrudOptions<T extends { id: string }, Input> {
  /** e.g. `/api/v1/flows`; serves `GET|POST base` and `GET|PUT|DELETE base/{id}`. */
  base: string;
  /** What error messages call one document, e.g. "flow". */
  noun: string;
  collection: ConfigCollection<T>;
  /** JSON schema of the request body, checked by fastify (422 naming the field). */
  body?: object;
  /** Builds and checks the document to store from the request body; throws HttpError for a 4xx. */
  build: (input: Input, id: string | null) => T | Promise<T>;
  /** What the API shows of a stored document (e.g. with secrets redacted). */
  show?: (doc: T) => unknown;
  /** Why the document cannot be deleted now (e.g. still in use), or null. */
  blocksDelete?: (id: string) => Promise<string | null>;
  /** Called after every change, e.g. to drop cached configuration. */
  changed: (doc: T) => void;
}

/** The five routes of a configuration collection, with one shape of answers and errors. */
export function crudRoutes<T extends { id: string }, Input>(
  app: FastifyInstance,
  options: CrudOptions<T, Input>,
): void {
  const { base, noun, collection, changed } = options;
  const show = options.show ?? ((doc: T) => doc);
  const notFound = (id: string) => new HttpError(404, `No ${noun} with id \`${id}\`.`);
  const schema = options.body ? { body: options.body } : {};
  const save = async (input: Input, id: string | null) => {
    const doc = await collection.put(await options.build(input, id));
    changed(doc);
    return show(doc);
  };

  app.get(base, async () => {
    const items = (await collection.list()).map(show);
    return { total: items.length, items };
  });
  app.get<{ Params: { id: string } }>(`${base}/:id`, async (request) => {
    const doc = await collection.get(request.params.id);
    if (!doc) throw notFound(request.params.id);
    return show(doc);
  });
  app.post<{ Body: Input }>(base, { schema }, async (request, reply) =>
    reply.code(201).send(await save(request.body as Input, null)),
  );
  app.put<{ Params: { id: string }; Body: Input }>(`${base}/:id`, { schema }, async (request) =>
    save(request.body as Input, request.params.id),
  );
  app.delete<{ Params: { id: string } }>(`${base}/:id`, async (request, reply) => {
    const existing = await collection.get(request.params.id);
    if (!existing) throw notFound(request.params.id);
    const reason = await options.blocksDelete?.(request.params.id);
    if (reason) throw new HttpError(409, reason);
    await collection.delete(request.params.id);
    changed(existing);
    return reply.code(204).send();
  });
}
