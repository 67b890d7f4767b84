import Fastify from "fastify";

// The ceiling: a fastify POST handler that parses the body and answers at once, storing nothing.
const app = Fastify({ bodyLimit: 1024 * 1024 });
app.post("/track", async (request) => ({ ok: typeof request.body === "object" }));
await app.listen({ host: "127.0.0.1", port: Number(process.env.PORT ?? 8699) });
process.stdout.write("listening\n");
