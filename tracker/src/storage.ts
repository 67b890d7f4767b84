/** Cookies and localStorage under the names Tracardi's tracker uses, so both trackers share a visitor. */

export const SESSION_COOKIE = "tracardi-session-id";
export const PROFILE_KEY = "tracardi-profile-id";
const DEVICE_KEY = "tracardi-device-id";
/** A session is browser activity without a 30-minute gap: the cookie is extended on every read. */
const SESSION_SECONDS = 30 * 60;
const YEAR_SECONDS = 365 * 24 * 3600;

export function getCookie(name: string): string | null {
  for (const part of document.cookie.split("; ")) {
    const at = part.indexOf("=");
    if (at > 0 && part.slice(0, at) === name) return decodeURIComponent(part.slice(at + 1));
  }
  return null;
}

export function setCookie(name: string, value: string, seconds: number): void {
  const expires = new Date(Date.now() + seconds * 1000).toUTCString();
  document.cookie = `${name}=${encodeURIComponent(value)}; expires=${expires}; path=/; SameSite=Lax`;
}

export function removeCookie(name: string): void {
  document.cookie = `${name}=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/`;
}

export function cookiesEnabled(): boolean {
  try {
    setCookie("__tr_test", "1", 10);
    const enabled = getCookie("__tr_test") === "1";
    removeCookie("__tr_test");
    return enabled;
  } catch {
    return false;
  }
}

/**
 * localStorage that may be disabled (privacy modes): reads give null, writes do nothing. Values are
 * JSON, as Tracardi's tracker (@analytics/storage-utils) keeps them, so each tracker reads the other's;
 * a plain value is read as it is.
 */
export function getItem(key: string): string | null {
  let raw: string | null;
  try {
    raw = window.localStorage.getItem(key);
  } catch {
    return null;
  }
  if (raw === null) return null;
  try {
    const value: unknown = JSON.parse(raw);
    return typeof value === "string" ? value : raw;
  } catch {
    return raw;
  }
}

export function setItem(key: string, value: string): void {
  try {
    window.localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // storage disabled: the cookie still carries the profile id
  }
}

export function removeItem(key: string): void {
  try {
    window.localStorage.removeItem(key);
  } catch {
    // storage disabled
  }
}

export function uuid4(): string {
  const c = window.crypto;
  if (typeof c.randomUUID === "function") return c.randomUUID();
  // randomUUID exists only in secure contexts; a plain-http page builds one from random bytes.
  const b = c.getRandomValues(new Uint8Array(16));
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The session id, extended by 30 minutes; a new one once the cookie has expired. */
export function sessionId(): string {
  const id = getCookie(SESSION_COOKIE) || uuid4();
  setCookie(SESSION_COOKIE, id, SESSION_SECONDS);
  return id;
}

/** The visitor's profile id: localStorage first, the `__tr_pid` cookie when storage was cleared. */
export function storedProfileId(): string | null {
  return getItem(PROFILE_KEY) || getCookie("__tr_pid");
}

/**
 * Keeps the profile id the runtime answered (a new visitor's, or the survivor of a merge) in
 * localStorage and in the `__tr_pid` cookie, where Tracardi's tracker keeps it.
 */
export function rememberProfileId(id: string): void {
  setItem(PROFILE_KEY, id);
  setItem("__tr_pid", id);
  setCookie("__tr_pid", id, YEAR_SECONDS);
}

export function deviceId(): string {
  let id = getItem(DEVICE_KEY);
  if (!id) {
    id = uuid4();
    setItem(DEVICE_KEY, id);
  }
  return id;
}
