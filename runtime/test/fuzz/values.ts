import fc from "fast-check";

/**
 * Hostile JSON values. Very deep, very wide and very long values are kept as small markers in the
 * case (so a counterexample prints in a line) and only expanded to text when the request is built:
 * this process never holds them as objects, so its own JSON.stringify cannot hit a stack limit.
 */
export type FuzzValue =
  | null
  | boolean
  | number
  | string
  | FuzzValue[]
  | { [key: string]: FuzzValue }
  | Marker;

export type Marker =
  | { $deep: { depth: number; shape: "array" | "object"; key: string } }
  | { $wide: { count: number; shape: "array" | "object" } }
  | { $huge: { length: number; unit: string } };

export function isMarker(value: unknown): value is Marker {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  const inner = (value as Record<string, unknown>)[keys[0] ?? ""];
  return (
    keys.length === 1 &&
    (keys[0] === "$deep" || keys[0] === "$wide" || keys[0] === "$huge") &&
    inner !== null &&
    typeof inner === "object" &&
    ("depth" in inner || "count" in inner || "length" in inner)
  );
}

/** Keys that reach for the prototype or shadow what every object has. */
export const PROTOTYPE_KEYS = [
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "valueOf",
  "hasOwnProperty",
  "__defineGetter__",
  "isPrototypeOf",
] as const;

/** Strings that trip up parsers, databases, search engines and templates. */
const NASTY_STRINGS = [
  "",
  " ",
  "\u0000",
  "a\u0000b",
  "\ud800",
  "\udfff",
  "x\udc00y",
  "\u202eevil\u202c",
  "\u200f\u05e9\u05dc\u05d5\u05dd",
  "\ufeff",
  "\ufeffpage-view",
  "\u2028\u2029",
  "\u00a0",
  "e\u0301",
  "\ud83d\ude00",
  "\u{10ffff}",
  "\uffff",
  "{{event@properties.x}}",
  "{{profile@__proto__}}",
  "${process.exit()}",
  "profile@traits.__proto__.polluted",
  "'; DROP TABLE events; --",
  '"',
  "\\",
  "..",
  "../../etc/passwd",
  "%00",
  "%ZZ",
  "NaN",
  "Infinity",
  "-0",
  "1e400",
  "true",
  "null",
  "[object Object]",
  "2024-13-45T25:61:61Z",
  "@internal",
  "*",
  "a.b.c",
  ".",
  "#",
  "?x=1",
  "é",
] as const;

const NASTY_NUMBERS = [0, -0, 1, -1, 0.1, 1e308, -1e308, 5e-324, 2 ** 53, 2 ** 53 + 2, -(2 ** 63), 1e21];

export const nastyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom(...PROTOTYPE_KEYS) },
);

export const key: fc.Arbitrary<string> = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom("a", "b", "id", "type", "value", "category", "page", "x") },
  { weight: 1, arbitrary: fc.constantFrom(...PROTOTYPE_KEYS) },
  { weight: 4, arbitrary: nastyString },
  { weight: 1, arbitrary: fc.constantFrom("$ref", "$where", "a.b", "", "0", "-1") },
);

const scalar: fc.Arbitrary<FuzzValue> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.constantFrom(...NASTY_NUMBERS),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  nastyString,
);

export const marker: fc.Arbitrary<Marker> = fc.oneof(
  fc.record({
    $deep: fc.record({
      depth: fc.oneof(
        fc.integer({ min: 2, max: 100 }),
        fc.integer({ min: 100, max: 10_000 }),
        fc.integer({ min: 10_000, max: 200_000 }),
      ),
      shape: fc.constantFrom("array" as const, "object" as const),
      key: fc.constantFrom("a", "__proto__", "constructor"),
    }),
  }),
  fc.record({
    $wide: fc.record({
      count: fc.oneof(fc.integer({ min: 100, max: 2_000 }), fc.integer({ min: 2_000, max: 100_000 })),
      shape: fc.constantFrom("array" as const, "object" as const),
    }),
  }),
  fc.record({
    $huge: fc.record({
      length: fc.oneof(fc.integer({ min: 1_000, max: 50_000 }), fc.integer({ min: 50_000, max: 400_000 })),
      unit: fc.constantFrom("a", "\u0000", "\ud800", "é", "\ud83d\ude00", "\\", '"', " "),
    }),
  }),
);

/** Any hostile JSON value: scalars, small nested containers with odd keys, and markers. */
export const hostileValue: fc.Arbitrary<FuzzValue> = fc.letrec<{ value: FuzzValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    { weight: 5, arbitrary: scalar },
    { weight: 2, arbitrary: fc.array(tie("value"), { maxLength: 4 }) },
    { weight: 2, arbitrary: fc.dictionary(key, tie("value"), { maxKeys: 4, noNullPrototype: true }) },
    { weight: 1, arbitrary: marker },
  ),
})).value;

/** A hostile object (for fields the schema wants to be objects). */
export const hostileObject: fc.Arbitrary<{ [key: string]: FuzzValue }> = fc.dictionary(key, hostileValue, {
  maxKeys: 5,
  noNullPrototype: true,
});

/** A value of the wrong type for a field, or a hostile one of the right type. */
export const wrongType: fc.Arbitrary<FuzzValue> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.constantFrom(1.5, -1, 1e308),
  nastyString,
  fc.constant<FuzzValue>([]),
  fc.constant<FuzzValue>({}),
  fc.array(scalar, { maxLength: 3 }),
  marker,
);

/**
 * JSON text of a value, expanding markers. Object keys are written in insertion order, so a key
 * such as `__proto__` is sent as an own key, as a hostile client would.
 */
export function jsonText(value: FuzzValue | undefined): string {
  const out: string[] = [];
  write(value, out);
  return out.join("");
}

function write(value: FuzzValue | undefined, out: string[]): void {
  if (value === undefined || value === null) {
    out.push("null");
  } else if (typeof value !== "object") {
    out.push(JSON.stringify(value));
  } else if (Array.isArray(value)) {
    out.push("[");
    value.forEach((item, i) => {
      if (i > 0) out.push(",");
      write(item, out);
    });
    out.push("]");
  } else if (isMarker(value)) {
    writeMarker(value, out);
  } else {
    out.push("{");
    let first = true;
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      if (!first) out.push(",");
      first = false;
      out.push(JSON.stringify(k), ":");
      write(v, out);
    }
    out.push("}");
  }
}

function writeMarker(marker: Marker, out: string[]): void {
  if ("$deep" in marker) {
    const { depth, shape, key: k } = marker.$deep;
    const open = shape === "array" ? "[" : `{${JSON.stringify(k)}:`;
    const close = shape === "array" ? "]" : "}";
    out.push(open.repeat(depth), "1", close.repeat(depth));
  } else if ("$wide" in marker) {
    const { count, shape } = marker.$wide;
    const items = Array.from({ length: count }, (_, i) => (shape === "array" ? String(i) : `"k${i}":${i}`));
    out.push(shape === "array" ? "[" : "{", items.join(","), shape === "array" ? "]" : "}");
  } else {
    out.push(JSON.stringify(marker.$huge.unit.repeat(marker.$huge.length)));
  }
}

/** A short, printable description of a value (markers stay markers). */
export function describeValue(value: unknown): string {
  const text = JSON.stringify(value, (_k, v) =>
    typeof v === "string" && v.length > 80 ? `${v.slice(0, 80)}…` : v,
  );
  return text === undefined ? "undefined" : text.length > 600 ? `${text.slice(0, 600)}…` : text;
}

/** The string with lone surrogates replaced by U+FFFD (what a browser sends for them). */
export function wellFormed(text: string): string {
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
}
