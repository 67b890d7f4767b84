import type { Json } from "../../../domain/types.js";
import type { HttpRequest, HttpResponse } from "../http.js";
import { renderUrlTemplate } from "../template.js";
import type { ValueExpr } from "../values.js";
import { defineNode, type NodeContext, type NodeOutput } from "./types.js";

interface RemoteCallConfig {
  url: string;
  method: HttpRequest["method"];
  headers: Record<string, string>;
  body?: Json;
  timeout_ms: number;
}

/**
 * HTTP call through the injected client. A 2xx answer goes to `response` as `{status, headers, body}`
 * (body parsed when JSON); any other status, a network error or a timeout goes to `error`.
 */
export const remoteCall = defineNode<RemoteCallConfig>({
  inputs: ["payload"],
  outputs: ["response", "error"],
  schema: {
    type: "object",
    properties: {
      url: { type: "string", minLength: 1 },
      method: { enum: ["GET", "POST", "PUT", "PATCH", "DELETE"], default: "POST" },
      headers: { type: "object", additionalProperties: { type: "string" }, default: {} },
      body: {},
      timeout_ms: { type: "integer", minimum: 1, maximum: 120000, default: 30000 },
    },
    required: ["url"],
    additionalProperties: false,
  },
  compile(config, tools) {
    const url = tools.template("url", config.url);
    const body: ValueExpr | undefined =
      config.body === undefined ? undefined : tools.value("body", config.body);
    if (!isHttpUrl(config.url) && !config.url.startsWith("{{")) {
      tools.problem("url", "url must start with http:// or https://");
    }
    return (context) => call(context, config, renderUrlTemplate(url, context.read), body);
  },
});

async function call(
  context: NodeContext,
  config: RemoteCallConfig,
  url: string,
  bodyExpr: ValueExpr | undefined,
): Promise<NodeOutput[]> {
  if (!isHttpUrl(url))
    return [{ port: "error", value: { status: null, message: `not an http(s) url: ${url}` } }];
  const headers = { ...config.headers };
  let body: string | undefined;
  if (bodyExpr !== undefined && config.method !== "GET") {
    body = JSON.stringify(context.resolve(bodyExpr) ?? null);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === "content-type")) {
      headers["content-type"] = "application/json";
    }
  }
  let response: HttpResponse;
  try {
    response = await context.http({
      method: config.method,
      url,
      headers,
      ...(body === undefined ? {} : { body }),
      timeoutMs: config.timeout_ms,
    });
  } catch (error) {
    return [{ port: "error", value: { status: null, message: (error as Error).message ?? String(error) } }];
  }
  const value = { status: response.status, headers: response.headers, body: parseBody(response.body) };
  if (response.status >= 200 && response.status < 300) return [{ port: "response", value }];
  return [{ port: "error", value: { ...value, message: `HTTP ${response.status}` } }];
}

function parseBody(text: string): Json {
  if (text === "") return null;
  try {
    return JSON.parse(text) as Json;
  } catch {
    return text;
  }
}

function isHttpUrl(url: string): boolean {
  return /^https?:\/\//i.test(url);
}
