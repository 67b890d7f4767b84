import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance } from "fastify";

const digest = (value: string) => createHash("sha256").update(value).digest();

/** Bearer-token check on every route except the listed public ones. */
export function installBearerAuth(app: FastifyInstance, token: string, open: ReadonlySet<string>): void {
  const expected = digest(token);
  app.addHook("onRequest", async (request, reply) => {
    if (open.has(request.url.split("?")[0] ?? "")) return;
    const header = request.headers.authorization;
    const given = typeof header === "string" && header.startsWith("Bearer ") ? header.slice(7) : null;
    if (given === null || !timingSafeEqual(digest(given), expected)) {
      return reply
        .code(401)
        .header("www-authenticate", 'Bearer realm="tracardi"')
        .send({ detail: given === null ? "Missing bearer token." : "Invalid bearer token." });
    }
  });
}
