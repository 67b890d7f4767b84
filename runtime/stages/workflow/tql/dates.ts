/**
 * Date and duration text as TQL's date functions read it. Tracardi parses dates with `dateparser` and
 * offsets with `pytimeparse` (tracardi/process_engine/tql/transformer/expr_transformer.py); this runtime
 * reads the ISO 8601 forms its own documents hold and pytimeparse's common offset forms.
 */

const ISO_DATE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * `2021-01-10`, `2021-01-10 00:00:01`, `2024-03-01T10:00:00.123Z`, `…+02:00`. A date without a zone
 * is UTC (the runtime's clock and stored times are UTC). Undefined when the text is no such date.
 */
export function parseIsoDate(text: string): Date | undefined {
  const m = ISO_DATE.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = "0", mi = "0", s = "0", frac = "", zone] = m;
  const year = Number(y);
  const month = Number(mo) - 1;
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  const ms = Math.floor(Number(`0.${frac || "0"}`) * 1000);
  const local = Date.UTC(year, month, day, hour, minute, second, ms);
  const check = new Date(local);
  // Date.UTC rolls 2021-02-30 over to March; such a date does not exist.
  if (
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month ||
    check.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    return undefined;
  }
  return new Date(local - zoneOffsetMs(zone));
}

function zoneOffsetMs(zone: string | undefined): number {
  if (!zone || zone.toUpperCase() === "Z") return 0;
  const sign = zone.startsWith("-") ? -1 : 1;
  const digits = zone.slice(1).replace(":", "");
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2) || "0");
  return sign * (hours * 60 + minutes) * 60_000;
}

/** A Map: unit names are client text, and `constructor` is no unit. */
const UNIT_SECONDS = new Map<string, number>();
for (const [seconds, names] of [
  [604_800, ["w", "wk", "wks", "week", "weeks"]],
  [86_400, ["d", "dy", "dys", "day", "days"]],
  [3_600, ["h", "hr", "hrs", "hour", "hours"]],
  [60, ["m", "mi", "min", "mins", "minute", "minutes"]],
  [1, ["s", "sec", "secs", "second", "seconds"]],
] as const) {
  for (const name of names) UNIT_SECONDS.set(name, seconds);
}

const SIGNED = /^\s*([+-])?\s*(.*?)\s*$/s;
const PARTS = /^(?:\d+(?:\.\d+)?\s*[a-z]+[\s,]*)+$/i;
const PART = /(\d+(?:\.\d+)?)\s*([a-z]+)/gi;
const CLOCK = /^(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)$/;
const PLAIN = /^\d+(?:\.\d+)?$/;

/**
 * An offset such as `-1d`, `+30m`, `1h 30m`, `2 days`, `1:30` (minutes:seconds), `1:00:00` or `90`
 * (seconds), in milliseconds; undefined when the text is no offset.
 */
export function parseOffset(text: string): number | undefined {
  const [, sign, body = ""] = SIGNED.exec(text) ?? [];
  const seconds = offsetSeconds(body);
  if (seconds === undefined) return undefined;
  return (sign === "-" ? -seconds : seconds) * 1000;
}

function offsetSeconds(body: string): number | undefined {
  if (PLAIN.test(body)) return Number(body);
  const clock = CLOCK.exec(body);
  if (clock) {
    const [, hours = "0", minutes = "0", seconds = "0"] = clock;
    return Number(hours) * 3600 + Number(minutes) * 60 + Number(seconds);
  }
  if (!PARTS.test(body)) return undefined;
  let total = 0;
  for (const [, amount, unit = ""] of body.matchAll(PART)) {
    const perUnit = UNIT_SECONDS.get(unit.toLowerCase());
    if (perUnit === undefined) return undefined;
    total += Number(amount) * perUnit;
  }
  return total;
}

/** An IANA time zone name (`Europe/Warsaw`, case-insensitive as pytz's lookup is). */
export function isTimeZone(name: string): boolean {
  if (name.trim() === "") return false;
  try {
    new Intl.DateTimeFormat("en", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
