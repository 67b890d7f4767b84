import type { FastifyInstance } from "fastify";
import type { Runtime } from "../../runtime.js";
import { HttpError } from "../errors.js";
import { booleanParam, fieldPath, instantParam, pageWindow } from "../query.js";

type Query = Record<string, string | undefined>;

/** Read access to profiles, events and sessions. */
export function dataRoutes(app: FastifyInstance, runtime: Runtime): void {
  const { data, identity } = runtime;

  app.get<{ Params: { id: string } }>("/api/v1/profiles/:id", async (request) => {
    // An id merged into another profile resolves to the survivor.
    const id = (await identity.resolveProfile(request.params.id)) ?? request.params.id;
    let profile = await data.getProfile(id);
    if (!profile) {
      // Perhaps merged a moment ago through another connection: look again without the cache.
      identity.refresh();
      profile = await data.getProfile(
        (await identity.resolveProfile(request.params.id)) ?? request.params.id,
      );
    }
    if (!profile) throw new HttpError(404, `No profile with id \`${request.params.id}\`.`);
    return profile;
  });

  app.get<{ Querystring: Query }>("/api/v1/profiles", async (request) => {
    const window = pageWindow(request.query);
    const field = fieldPath(request.query, "field");
    const value = request.query.value;
    if ((field === undefined) !== (value === undefined)) {
      throw new HttpError(422, [
        {
          loc: ["query", field ? "value" : "field"],
          msg: "field and value go together",
          type: "value_error",
        },
      ]);
    }
    return { ...(await data.profiles({ ...window, field, value })), ...window };
  });

  app.get<{ Querystring: Query }>("/api/v1/events", async (request) => {
    const window = pageWindow(request.query);
    const { profile, session, type } = request.query;
    const valid = booleanParam(request.query, "valid");
    const from = instantParam(request.query, "from");
    const to = instantParam(request.query, "to");
    const profileId = profile ? ((await identity.resolveProfile(profile)) ?? profile) : undefined;
    const query = { ...window, profileId, sessionId: session, type, valid, from, to };
    return { ...(await data.events(query)), ...window };
  });

  app.get<{ Params: { id: string } }>("/api/v1/events/:id", async (request) => {
    return (
      (await data.getEvent(request.params.id)) ??
      Promise.reject(new HttpError(404, `No event with id \`${request.params.id}\`.`))
    );
  });

  app.get<{ Querystring: Query }>("/api/v1/sessions", async (request) => {
    const window = pageWindow(request.query);
    const profile = request.query.profile;
    const profileId = profile ? ((await identity.resolveProfile(profile)) ?? profile) : undefined;
    return { ...(await data.sessions({ ...window, profileId })), ...window };
  });

  app.get<{ Params: { id: string } }>("/api/v1/sessions/:id", async (request) => {
    return (
      (await data.getSession(request.params.id)) ??
      Promise.reject(new HttpError(404, `No session with id \`${request.params.id}\`.`))
    );
  });
}
