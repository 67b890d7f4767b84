/**
 * Bounds on TQL text, checked before the grammar runs: Ohm's parser recurses once per nesting level,
 * so a condition of a few hundred `(` would overflow the stack. Real conditions stay far below both.
 */
export const TQL_MAX_DEPTH = 32;
/** In characters; it also bounds the number of terms of an AND/OR chain (a few thousand at most). */
export const TQL_MAX_LENGTH = 16_384;

export interface TqlLimits {
  maxDepth: number;
  maxLength: number;
}

export const DEFAULT_TQL_LIMITS: TqlLimits = { maxDepth: TQL_MAX_DEPTH, maxLength: TQL_MAX_LENGTH };

/** The first limit `text` breaks, with the offset to report, or undefined. */
export function limitProblem(
  text: string,
  limits: TqlLimits = DEFAULT_TQL_LIMITS,
): { offset: number; message: string } | undefined {
  if (text.length > limits.maxLength) {
    return {
      offset: limits.maxLength,
      message: `the text is ${text.length} characters long; TQL allows at most ${limits.maxLength}`,
    };
  }
  const offset = tooDeepAt(text, limits.maxDepth);
  if (offset === undefined) return undefined;
  return { offset, message: `brackets nest deeper than ${limits.maxDepth} levels` };
}

/**
 * Offset of the first `(` or `[` opening level `maxDepth + 1`, brackets inside string literals not
 * counted. A string ends at its closing quote or, unterminated, at a newline (as in the grammar).
 */
function tooDeepAt(text: string, maxDepth: number): number | undefined {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote !== undefined) {
      if (ch === "\\") i++;
      else if (ch === quote || ch === "\n") quote = undefined;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === "(" || ch === "[") {
      if (++depth > maxDepth) return i;
    } else if ((ch === ")" || ch === "]") && depth > 0) depth--;
  }
  return undefined;
}
