import { adminSession } from "./session";

/** A failed request: the status and the API's `{detail}` (a text or FastAPI's list of problems). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: unknown,
  ) {
    super(describeDetail(status, detail));
  }

  /** Problems of a 422 that name a flow node (`{node, msg}`). */
  nodeProblems(): Map<string, string[]> {
    const byNode = new Map<string, string[]>();
    if (!Array.isArray(this.detail)) return byNode;
    for (const item of this.detail as { node?: unknown; msg?: unknown }[]) {
      if (typeof item.node !== "string") continue;
      byNode.set(item.node, [...(byNode.get(item.node) ?? []), String(item.msg ?? "")]);
    }
    return byNode;
  }
}

function describeDetail(status: number, detail: unknown): string {
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail))
    return detail
      .map((d: { loc?: unknown[]; msg?: string }) =>
        d.loc ? `${d.loc.filter((l) => l !== "body").join(".")}: ${d.msg ?? ""}` : (d.msg ?? ""),
      )
      .join("; ");
  if (status === 502 || status === 503 || status === 504)
    return `The private API does not answer (HTTP ${status}): is it running, and is TRACARDI_GUI_API_URL right?`;
  return `HTTP ${status}`;
}

/** Listeners told when the API refused the token (the console goes back to the login page). */
const unauthorized = new Set<() => void>();
export function onUnauthorized(listener: () => void): () => void {
  unauthorized.add(listener);
  return () => unauthorized.delete(listener);
}

/** Calls the private API through the console's own origin (`/api/` is proxied to it). */
export async function api<T>(path: string, init: { method?: string; body?: unknown; token?: string } = {}) {
  const token = init.token ?? adminSession.token();
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (init.body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(path, {
    method: init.method ?? "GET",
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text === "" ? null : JSON.parse(text);
  } catch {
    body = { detail: text };
  }
  if (!response.ok) {
    if (response.status === 401 && init.token === undefined) for (const l of unauthorized) l();
    throw new ApiError(response.status, (body as { detail?: unknown } | null)?.detail ?? null);
  }
  return body as T;
}

/** A query string from the parts that have a value. */
export function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params))
    if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
  const text = search.toString();
  return text === "" ? "" : `?${text}`;
}
