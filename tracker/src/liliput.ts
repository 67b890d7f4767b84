/**
 * The browser tracker served at `/tracker/liliput.min.js`: Tracardi's `window.tracker.track(type,
 * properties, options)` API, its options, loader contract (`window.tracardi.default`), storage names
 * and payload shape, so a page that pasted Tracardi's snippet keeps working against this runtime.
 *
 * Events tracked while the page loads go out in one request once it has loaded; `fire: true` sends at
 * once, `asBeacon: true` by `navigator.sendBeacon`. Later events are batched for a moment, and what is
 * still queued when the page is hidden or left goes out as a beacon, so no tracked event is lost.
 */
import { eventContext, sessionContext, utcNow } from "./context.js";
import { addListener, bindTriggers, documentReady, injectUx, tagExternalLinks } from "./dom.js";
import type {
  ContextOptions,
  EventOptions,
  Helpers,
  Properties,
  ReadyHub,
  ReadyParams,
  TrackerApi,
  TrackerOptions,
  TrackResponse,
} from "./options.js";
import {
  cookiesEnabled,
  deviceId,
  getCookie,
  rememberProfileId,
  sessionId,
  setCookie,
  storedProfileId,
} from "./storage.js";
import { beacon, post } from "./transport.js";

/** How long events tracked after the page batch wait for company before they are sent. */
const BATCH_DELAY_MS = 300;
const DEFAULT_LOCATION_URL = "https://geolocation-db.com/json/";

/** The page's `const options` (a global binding of a classic script) or `window.options`. */
declare const options: TrackerOptions | undefined;

interface TrackedEvent {
  type: string;
  properties: Properties;
  options: EventOptions;
  time: { create: string };
  context: Properties;
}

interface Queued {
  event: TrackedEvent;
  done: (response: TrackResponse | undefined) => void;
}

function pageOptions(): TrackerOptions | null {
  const found = typeof options !== "undefined" ? options : window.options;
  const missing = !found?.tracker
    ? "options.tracker"
    : !found.tracker.source?.id
      ? "options.tracker.source.id"
      : !found.tracker.url?.api
        ? "options.tracker.url.api"
        : null;
  if (missing) {
    console.error(`[Tracardi] Tracker not started: ${missing} is undefined.`);
    return null;
  }
  return found as TrackerOptions;
}

function start(config: TrackerOptions): void {
  const { tracker } = config;
  const settings = tracker.context ?? {};
  const api = tracker.url.api;
  let profileId = storedProfileId();
  const queued: Queued[] = [];
  let pageSent = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  /** Batches go out one after another, so each carries the profile id the one before it got. */
  let sending: Promise<void> = Promise.resolve();

  window.response ??= { context: {} };
  if (!isReadyHub(window.onTracardiReady) && typeof window.onTracardiReady !== "function") {
    const listeners: ((params: ReadyParams) => void)[] = [];
    const hub: ReadyHub = {
      bind: (listener) => {
        if (typeof listener === "function") listeners.push(listener);
      },
      call: (params) => {
        for (const listener of listeners) listener(params);
      },
    };
    window.onTracardiReady = hub;
  }

  const payload = (events: TrackedEvent[]) => ({
    source: tracker.source,
    session: { id: sessionId() },
    profile: tracker.profile ?? (profileId ? { id: profileId } : null),
    device: { id: deviceId() },
    context: sessionContext(settings, config.context),
    options: window.response?.context ?? {},
    events,
  });

  const eventOf = (type: string, properties: Properties | undefined, opts: EventOptions | undefined) => ({
    type,
    properties: properties ?? {},
    options: opts ?? {},
    time: { create: utcNow() },
    context: eventContext(settings, opts?.context),
  });

  const answered = (response: TrackResponse): TrackResponse => {
    const id = response.data?.profile?.id;
    if (typeof id === "string" && id !== "") {
      profileId = id;
      rememberProfileId(id);
    } else if (!response.ok) {
      const detail = response.data?.detail;
      console.error(`[Tracardi] /track answered ${response.status}`, detail ?? "");
    }
    return response;
  };

  const sendNow = async (events: TrackedEvent[]): Promise<TrackResponse> => {
    const response = answered(await post(api, payload(events)));
    injectUx(response.data?.ux);
    return response;
  };

  const ready = (response: TrackResponse | null) => {
    const params: ReadyParams = { tracker: tracardi, helpers, context: response?.data ?? null, config };
    const hub = window.onTracardiReady;
    if (typeof hub === "function") hub(params);
    else if (isReadyHub(hub)) hub.call(params);
    injectUx(response?.data?.ux);
  };

  const flush = () => {
    timer = null;
    const first = !pageSent;
    pageSent = true;
    const batch = queued.splice(0);
    const events = batch.map((q) => q.event);
    if (first) for (const [type, props] of tracker.auto?.events ?? []) events.push(eventOf(type, props, {}));
    if (events.length === 0) return;
    sending = sending.then(async () => {
      let response: TrackResponse | null = null;
      try {
        response = answered(await post(api, payload(events), !first));
      } catch (error) {
        console.error(`[Tracardi] ${String(error)}`);
      }
      for (const q of batch) q.done(response ?? undefined);
      if (first) documentReady(() => ready(response));
    });
  };

  let pageScheduled = false;
  const schedule = () => {
    if (pageSent) {
      timer ??= setTimeout(flush, BATCH_DELAY_MS);
    } else if (!pageScheduled) {
      pageScheduled = true;
      // The page batch: every event tracked while the page loads, once it has loaded.
      documentReady(() => setTimeout(flush, 0));
    }
  };

  /**
   * What is still queued when the page is left goes out as a beacon, not dropped; a hidden tab sends
   * the events tracked after the page batch (a tab loading in the background keeps its page batch).
   */
  const sendQueuedAsBeacon = () => {
    if (queued.length === 0) return;
    if (timer !== null) clearTimeout(timer);
    timer = null;
    pageSent = true;
    const batch = queued.splice(0);
    beacon(api, payload(batch.map((q) => q.event)));
    for (const q of batch) q.done(undefined);
  };
  window.addEventListener("pagehide", sendQueuedAsBeacon);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden" && pageSent) sendQueuedAsBeacon();
  });

  const track = async (type: string, properties?: Properties, opts?: EventOptions) => {
    const event = eventOf(type, properties, opts);
    if (opts?.asBeacon === true) {
      beacon(api, payload([event]));
      return undefined;
    }
    if (opts?.fire === true) {
      try {
        return await sendNow([event]);
      } catch (error) {
        console.error(`[Tracardi] ${String(error)}`);
        return undefined;
      }
    }
    return new Promise<TrackResponse | undefined>((done) => {
      queued.push({ event, done });
      schedule();
    });
  };

  const helpers: Helpers = {
    track: async (type, properties, opts) => {
      const event = eventOf(type, properties, opts);
      if (opts?.asBeacon === true) {
        beacon(api, payload([event]));
        return undefined;
      }
      return sendNow([event]);
    },
    onClick: (element, listener) => addListener(element, "click", listener),
    addListener,
  };

  const tracardi: TrackerApi = {
    track,
    getState: () => ({ plugins: { tracardi: { initialized: true, enabled: true, loaded: true } } }),
    plugins: { tracardi: helpers },
  };
  window.tracardi = { default: tracardi };
  window.config = config;
  // Loaded without the loader snippet: no queueing stub to replace, so this is the tracker.
  if (typeof window.tracker?.track !== "function") window.tracker = tracardi;

  if (!cookiesEnabled()) {
    console.error("[Tracardi] Cookies disabled.");
    config.listeners?.onCookiesDisabled?.({ tracker: tracardi, helpers });
  }
  config.listeners?.onInit?.({ session: { id: sessionId() }, tracker: tracardi, helpers });
  locate(settings.location);
  if ((tracker.auto?.events ?? []).length > 0) schedule();
  documentReady(() => {
    const domains = tracker.settings?.trackExternalLinks;
    if (Array.isArray(domains) && domains.length > 0)
      tagExternalLinks(domains, () => profileId, tracker.source.id);
    if (tracker.auto?.triggers)
      bindTriggers(tracker.auto.triggers, (type, properties) => {
        void track(type, properties, { fire: true });
      });
  });
}

function isReadyHub(value: unknown): value is ReadyHub {
  const hub = value as { bind?: unknown; call?: unknown } | null | undefined;
  return (
    typeof hub === "object" &&
    hub !== null &&
    typeof hub.bind === "function" &&
    typeof hub.call === "function"
  );
}

/** `context.location`: the visitor's location, looked up once and kept in the `__tr_geo` cookie. */
function locate(location: ContextOptions["location"]): void {
  if (!location || getCookie("__tr_geo")) return;
  const service = location === true ? { url: DEFAULT_LOCATION_URL, data: geolocationDb } : location;
  fetch(service.url)
    .then((answer) => answer.json())
    .then((json: unknown) => {
      const found = service.data ? service.data(json) : json;
      if (found) setCookie("__tr_geo", JSON.stringify(found), 24 * 3600);
    })
    .catch((error: unknown) => console.error(`[Tracardi] location: ${String(error)}`));
}

function geolocationDb(answer: unknown): Properties | null {
  const a = answer as Record<string, string | number | null> | null;
  if (!a) return null;
  return {
    country: { name: a.country_name ?? null, code: a.country_code ?? null },
    city: a.city ?? null,
    county: a.state ?? null,
    latitude: a.latitude ?? null,
    longitude: a.longitude ?? null,
    ip: a.IPv4 ?? null,
  };
}

const config = pageOptions();
if (config) {
  if (navigator.doNotTrack === "1" && config.tracker.settings?.respectDoNotTrack === true) {
    console.log("[Tracardi] Respecting the browser's Do Not Track setting: not tracking.");
  } else start(config);
}
