import type { HttpClient } from "../../ports/http.js";

/** The one impure dependency of the runner: `remote-call` nodes go through it (see ports/http.ts). */
export type { HttpClient, HttpRequest, HttpResponse } from "../../ports/http.js";

/** For runs that must not reach the network (dry runs, tests). */
export const noHttp: HttpClient = async (request) => {
  throw new Error(`remote calls are disabled (${request.method} ${request.url})`);
};
