import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { HttpError } from "./errors.js";

/** Where `npm run build:tracker` puts the bundles (dist/tracker, beside dist/runtime). */
export const TRACKER_DIR = join(import.meta.dirname, "../../tracker");

/** The files served under `/tracker/`: the tracker and the loader snippet pages paste. */
const FILES = ["liliput.min.js", "loader.min.js"] as const;

/** Browsers and CDNs may keep a copy for an hour, then revalidate it by its ETag. */
const CACHE_CONTROL = "public, max-age=3600";

interface Script {
  body: string;
  etag: string;
}

/**
 * `GET /tracker/liliput.min.js` (Tracardi's loader loads `<tracker.url.script>/liliput.min.js`) and
 * `GET /tracker/loader.min.js`: JavaScript, cacheable, `304` for a matching `If-None-Match`. Each
 * file is read once; a runtime built without them answers `404` saying how to build them.
 */
export function installTrackerRoutes(app: FastifyInstance, dir: string = TRACKER_DIR): void {
  const cache = new Map<string, Promise<Script>>();
  const load = (name: string): Promise<Script> => {
    let script = cache.get(name);
    if (!script) {
      script = readFile(join(dir, name), "utf8").then((body) => ({ body, etag: etagOf(body) }));
      // A missing file is looked for again next time (built while the runtime runs).
      script.catch(() => cache.delete(name));
      cache.set(name, script);
    }
    return script;
  };
  for (const name of FILES) {
    app.get(`/tracker/${name}`, async (request, reply) => {
      const script = await load(name).catch(() => {
        throw new HttpError(
          404,
          `The tracker is not built: run \`npm run build:tracker\` (missing ${name}).`,
        );
      });
      reply.header("cache-control", CACHE_CONTROL).header("etag", script.etag);
      if (matches(request.headers["if-none-match"], script.etag)) return reply.code(304).send();
      return reply.type("text/javascript; charset=utf-8").send(script.body);
    });
  }
}

function etagOf(body: string): string {
  return `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`;
}

/** `If-None-Match` holds the tag (or `*`), among others, maybe weak (`W/"…"`). */
function matches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header.split(",").some((tag) => {
    const t = tag.trim();
    return t === "*" || t === etag || t === `W/${etag}`;
  });
}
