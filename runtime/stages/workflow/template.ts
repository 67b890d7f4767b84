import type { Json } from "../../domain/types.js";
import type { PathRef } from "./tql/ast.js";
import { parsePath, positionAt, TqlSyntaxError } from "./tql/parse.js";

/** A parsed `payload-template`: literal text and `{{ root@path }}` placeholders. */
export type Template = Array<string | PathRef>;

/**
 * A tiny renderer instead of a templating library: placeholders are exactly TQL paths, so parsing
 * them with the TQL parser keeps one notation and one error format (with positions) for the API.
 */
export function parseTemplate(text: string): Template {
  const parts: Template = [];
  let cursor = 0;
  while (cursor < text.length) {
    const open = text.indexOf("{{", cursor);
    if (open === -1) break;
    const close = text.indexOf("}}", open + 2);
    if (close === -1) {
      const position = positionAt(text, open);
      throw new TqlSyntaxError(
        `unclosed placeholder "{{" at line ${position.line}, column ${position.column}`,
        position,
        text,
      );
    }
    if (open > cursor) parts.push(text.slice(cursor, open));
    parts.push(parsePlaceholder(text, open + 2, close));
    cursor = close + 2;
  }
  if (cursor < text.length) parts.push(text.slice(cursor));
  return parts;
}

function parsePlaceholder(text: string, start: number, end: number): PathRef {
  try {
    return parsePath(text.slice(start, end));
  } catch (error) {
    if (!(error instanceof TqlSyntaxError)) throw error;
    const position = positionAt(text, start + error.position.offset);
    const reason = error.message.replace(/ at line \d+, column \d+$/, "");
    throw new TqlSyntaxError(
      `${reason} in placeholder at line ${position.line}, column ${position.column}`,
      position,
      text,
    );
  }
}

export function renderTemplate(template: Template, read: (ref: PathRef) => Json | undefined): string {
  let out = "";
  for (const part of template) out += typeof part === "string" ? part : asText(read(part));
  return out;
}

/** A URL whose origin (`scheme://host:port`) is complete, so what follows is path, query or fragment. */
const PAST_ORIGIN = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*[/?#]/i;

/**
 * Renders a URL template (`remote-call`): a value placed in the path, query or fragment is encoded
 * with encodeURIComponent, so event data cannot add segments, parameters or a fragment. A value that
 * forms the scheme or host (a whole URL from a path) goes in as it is; the HTTP client checks the
 * address it reaches.
 */
export function renderUrlTemplate(template: Template, read: (ref: PathRef) => Json | undefined): string {
  let out = "";
  for (const part of template) {
    if (typeof part === "string") out += part;
    else out += PAST_ORIGIN.test(out) ? encodeURIComponent(asText(read(part))) : asText(read(part));
  }
  return out;
}

function asText(value: Json | undefined): string {
  if (value === undefined || value === null) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}
