/** How deep and how wide a request's JSON (or form, or query string) may be. */
export interface JsonLimits {
  /** Containers nested deeper than this are refused; the outermost object or array is level 1. */
  maxDepth: number;
  maxArrayLength: number;
  maxObjectKeys: number;
}

export interface JsonLimitBreach {
  /** Where the offending object or array is, from the root: keys and array indices. */
  path: (string | number)[];
  msg: string;
  type: string;
}

interface Frame {
  value: object;
  depth: number;
  parent: Frame | null;
  key: string | number;
}

/** The breach type of text that is not well-formed Unicode (a lone surrogate such as `"\\ud800"`). */
export const MALFORMED_TEXT = "value_error.str.unicode";

/**
 * The first place where `value` breaks a limit, or null. Text with a lone surrogate breaks one too:
 * it has no UTF-8 form, so the stores would keep something else than what was validated (and an id
 * holding one could not be read back). The walk keeps its own stack instead of
 * recursing, and never goes below `maxDepth + 1` levels, so no input can exhaust the call stack here;
 * once a value passed, everything that walks it later (serialisers, path helpers) stays shallow too.
 */
export function findJsonLimitBreach(value: unknown, limits: JsonLimits): JsonLimitBreach | null {
  if (value === null || typeof value !== "object") return null;
  const stack: Frame[] = [{ value, depth: 1, parent: null, key: "" }];
  for (let frame = stack.pop(); frame !== undefined; frame = stack.pop()) {
    if (frame.depth > limits.maxDepth) {
      return breach(frame, `nested deeper than ${limits.maxDepth} levels`, "value_error.json.too_deep");
    }
    const depth = frame.depth + 1;
    if (Array.isArray(frame.value)) {
      const items: unknown[] = frame.value;
      if (items.length > limits.maxArrayLength) {
        return breach(
          frame,
          `array has ${items.length} items, more than the limit of ${limits.maxArrayLength}`,
          "value_error.json.too_many_items",
        );
      }
      for (let index = 0; index < items.length; index++) {
        const item = items[index];
        if (item !== null && typeof item === "object")
          stack.push({ value: item, depth, parent: frame, key: index });
        else if (typeof item === "string" && !isWellFormed(item)) return malformed(frame, index);
      }
      continue;
    }
    const fields = frame.value as Record<string, unknown>;
    let count = 0;
    for (const key in fields) {
      if (++count > limits.maxObjectKeys) {
        return breach(
          frame,
          `object has more than the limit of ${limits.maxObjectKeys} keys`,
          "value_error.json.too_many_keys",
        );
      }
      if (!isWellFormed(key)) return malformed(frame, key);
      const item = fields[key];
      if (item !== null && typeof item === "object") stack.push({ value: item, depth, parent: frame, key });
      else if (typeof item === "string" && !isWellFormed(item)) return malformed(frame, key);
    }
  }
  return null;
}

function malformed(parent: Frame, key: string | number): JsonLimitBreach {
  const at: Frame = { value: parent.value, depth: parent.depth + 1, parent, key };
  return breach(at, "text is not well-formed Unicode (a lone surrogate)", MALFORMED_TEXT);
}

/** `String.prototype.isWellFormed` (Node 20+), which the ES2023 lib does not declare. */
function isWellFormed(text: string): boolean {
  return (text as string & { isWellFormed(): boolean }).isWellFormed();
}

function breach(frame: Frame, msg: string, type: string): JsonLimitBreach {
  const path: (string | number)[] = [];
  for (let at: Frame | null = frame; at !== null && at.parent !== null; at = at.parent) path.push(at.key);
  return { path: path.reverse(), msg, type };
}
