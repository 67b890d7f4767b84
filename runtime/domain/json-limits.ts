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

/**
 * The first place where `value` breaks a limit, or null. The walk keeps its own stack instead of
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
      const item = fields[key];
      if (item !== null && typeof item === "object") stack.push({ value: item, depth, parent: frame, key });
    }
  }
  return null;
}

function breach(frame: Frame, msg: string, type: string): JsonLimitBreach {
  const path: (string | number)[] = [];
  for (let at: Frame | null = frame; at !== null && at.parent !== null; at = at.parent) path.push(at.key);
  return { path: path.reverse(), msg, type };
}
