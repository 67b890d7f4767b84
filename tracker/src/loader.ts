/**
 * The loader a page pastes (served at `/tracker/loader.min.js`), with the contract of Tracardi's
 * loader snippet: `window.tracker.track(…)` calls made before the tracker has loaded are queued,
 * `window.onTracardiReady.bind(fn)` collects listeners, and once the document is ready
 * `<options.tracker.url.script>/liliput.min.js` is loaded and the queued calls are replayed on it.
 * Either loader works with either tracker.
 */
import { documentReady } from "./dom.js";
import type { ReadyHub, ReadyParams, TrackerOptions } from "./options.js";

declare const options: TrackerOptions | undefined;

const SCRIPT = "liliput.min.js";

/** `url.script` as Tracardi reads it: a base URL gets the file name, a path is the script itself. */
function scriptSource(script: string | null | undefined): string {
  if (script === null || script === undefined) return SCRIPT;
  if (/^(https?:)?\/\//.test(script)) return `${script.replace(/\/+$/, "")}/${SCRIPT}`;
  return script;
}

const queue: [string, unknown[]][] = [];
const tracker = (window.tracker ??= {});
tracker.track = (...args: unknown[]) => {
  queue.push(["track", args]);
  return Promise.resolve(undefined);
};
window.response ??= { context: {} };
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

function replay(): void {
  const loaded = window.tracardi?.default;
  if (!loaded?.getState().plugins.tracardi.initialized) {
    console.error("[Loader] Tracker not initialized. Is options.tracker.url.script correct?");
    return;
  }
  window.tracker = loaded;
  for (const [method, args] of queue.splice(0)) {
    const call = (loaded as unknown as Record<string, (...a: unknown[]) => unknown>)[method];
    if (typeof call === "function") call.apply(loaded, args);
  }
}

documentReady(() => {
  const config = typeof options !== "undefined" ? options : window.options;
  if (navigator.doNotTrack === "1" && config?.tracker?.settings?.respectDoNotTrack === true) {
    console.log("[Loader] Respecting the browser's Do Not Track setting: not tracking.");
    return;
  }
  if (!config?.tracker?.url) {
    console.error("[Loader] Undefined options.tracker.url.script: where the tracker is loaded from.");
    return;
  }
  const script = document.createElement("script");
  script.async = true;
  script.src = scriptSource(config.tracker.url.script);
  script.addEventListener("load", replay);
  document.head.appendChild(script);
});
