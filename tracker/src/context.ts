/** What the tracker tells about the page, the browser and the visit (Tracardi's clientInfo). */
import type { ContextOptions, Properties } from "./options.js";
import { getCookie, getItem } from "./storage.js";

export function utcNow(): string {
  return new Date().toISOString();
}

function referer(): Properties {
  if (document.referrer) {
    try {
      const from = new URL(document.referrer);
      if (from.host !== location.host) {
        const params = from.searchParams;
        return { host: from.host, query: params.get("q") ?? params.get("p") };
      }
    } catch {
      // not a URL: no referer
    }
  }
  return { host: null, query: null };
}

export function pageContext(): Properties {
  return {
    url: location.href,
    path: location.pathname,
    hash: location.hash,
    title: document.title,
    referer: referer(),
    history: { length: history.length },
  };
}

function browserName(agent: string): string {
  if (/chrome|chromium|crios/i.test(agent)) return "chrome";
  if (/firefox|fxios/i.test(agent)) return "firefox";
  if (/safari/i.test(agent)) return "safari";
  if (/opr\//i.test(agent)) return "opera";
  if (/edg/i.test(agent)) return "edge";
  return "n/a";
}

function browserContext(): Properties {
  return {
    browser: {
      name: browserName(navigator.userAgent),
      engine: navigator.product,
      appVersion: navigator.appVersion,
      userAgent: navigator.userAgent,
      language: navigator.language,
      onLine: navigator.onLine,
      javaEnabled: false,
      cookieEnabled: navigator.cookieEnabled,
    },
    device: { platform: navigator.platform },
  };
}

function screenContext(): Properties {
  return {
    width: screen.width,
    height: screen.height,
    innerWidth: window.innerWidth,
    innerHeight: window.innerHeight,
    availWidth: screen.availWidth,
    availHeight: screen.availHeight,
    colorDepth: screen.colorDepth,
    pixelDepth: screen.pixelDepth,
    orientation: screen.orientation?.type ?? "n/a",
  };
}

function localStorageContext(): Properties {
  const copy: Properties = {};
  try {
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      if (key !== null) copy[key] = getItem(key);
    }
  } catch {
    // storage disabled
  }
  return copy;
}

function queryParams(names: string[], rename: (name: string) => string): Properties | null {
  const params = new URLSearchParams(location.search);
  const found: Properties = {};
  for (const name of names) {
    const value = params.get(name);
    if (value !== null) found[rename(name)] = value;
  }
  return Object.keys(found).length > 0 ? found : null;
}

/**
 * The payload's context: local time and zone, browser and screen (unless turned off), device data the
 * loader found, optional storage and cookies, Google Analytics' id, the visitor's location, a profile
 * passed from another domain (`__tr_pid`, `__tr_src`) and the campaign's `utm_*` parameters.
 */
export function sessionContext(settings: ContextOptions, device: Properties | undefined): Properties {
  const context: Properties = {
    time: { local: utcNow(), tz: Intl.DateTimeFormat().resolvedOptions().timeZone },
  };
  if (device) context.device = device;
  if (settings.browser !== false) context.browser = { local: browserContext() };
  if (settings.screen !== false) context.screen = { local: screenContext() };
  const storage: Properties = {};
  if (settings.storage === true) storage.local = localStorageContext();
  if (settings.cookies === true) storage.cookies = { cookies1: document.cookie };
  if (Object.keys(storage).length > 0) context.storage = storage;
  const ga = getCookie("_ga");
  if (ga) context.ids = { ga };
  if (settings.location) {
    try {
      const geo = getCookie("__tr_geo");
      if (geo) context.location = JSON.parse(geo) as Properties;
    } catch {
      // a broken cookie is ignored
    }
  }
  if (settings.tracardiPass !== false) {
    const pass = queryParams(["__tr_pid", "__tr_src"], (n) => (n === "__tr_pid" ? "profile" : "source"));
    if (pass) context.tracardi = { pass };
  }
  if (settings.utm !== false) {
    const names = ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"];
    const utm = queryParams(names, (n) => n.slice(4));
    if (utm) context.utm = utm;
  }
  return context;
}

/** An event's own context: the page (unless turned off), performance when asked, and the track call's. */
export function eventContext(settings: ContextOptions, extra: Properties | undefined): Properties {
  let context: Properties = settings.page === false ? {} : { page: pageContext() };
  if (extra) context = { ...context, ...extra };
  if (settings.performance === true && typeof performance.getEntriesByType === "function") {
    const navigation = performance.getEntriesByType("navigation")[0];
    if (navigation) context.performance = JSON.parse(JSON.stringify(navigation)) as Properties;
  }
  const ga = getCookie("_ga");
  if (ga) context.ga = ga;
  return context;
}
