/** The page's `options` as Tracardi documents them (docs/integration/js). */

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type Properties = { [key: string]: Json };

export interface ContextOptions {
  page?: boolean;
  browser?: boolean;
  screen?: boolean;
  storage?: boolean;
  cookies?: boolean;
  performance?: boolean;
  utm?: boolean;
  tracardiPass?: boolean;
  /** `true`: Tracardi's default geolocation service; or a service of your own. */
  location?: boolean | { url: string; data?: (answer: unknown) => unknown };
}

export interface Trigger {
  tag: string;
  trigger: "onVisible" | "onTextSelect" | "onMouseOver";
  data: { event: string; properties?: Properties };
}

export interface TrackerOptions {
  tracker: {
    url: { script?: string | null; api: string };
    source: { id: string };
    /** A profile id from your backend (the source must allow a static profile id). */
    profile?: { id: string };
    context?: ContextOptions;
    settings?: { trackExternalLinks?: string[]; respectDoNotTrack?: boolean };
    auto?: { events?: [string, Properties][]; triggers?: Trigger[] };
  };
  listeners?: {
    onInit?: (params: { session: { id: string }; tracker: TrackerApi; helpers: Helpers }) => void;
    onCookiesDisabled?: (params: { tracker: TrackerApi; helpers: Helpers }) => void;
  };
  /** Device context the loader adds. */
  context?: Properties;
}

/** Per-event options: `fire` sends at once, `asBeacon` with `navigator.sendBeacon`; `context` joins the event's. */
export interface EventOptions {
  fire?: boolean;
  asBeacon?: boolean;
  context?: Properties;
  [key: string]: Json | undefined;
}

/** What `/track` answers (the fields a page reads). */
export interface TrackAnswer {
  profile?: { id?: string } | null;
  session?: { id?: string };
  ux?: { tag: string; props?: Record<string, string>; content?: string }[];
  response?: Properties;
  [key: string]: unknown;
}

/** Tracardi's tracker resolves to the fetch Response with the parsed body as `data`. */
export type TrackResponse = Response & { data: TrackAnswer | null };

export interface Helpers {
  track(type: string, properties?: Properties, options?: EventOptions): Promise<TrackResponse | undefined>;
  onClick(element: EventTarget, listener: EventListener): () => void;
  addListener(element: EventTarget, event: string, listener: EventListener): () => void;
}

export interface TrackerApi {
  track(type: string, properties?: Properties, options?: EventOptions): Promise<TrackResponse | undefined>;
  getState(): { plugins: { tracardi: { initialized: boolean; enabled: boolean; loaded: boolean } } };
  plugins: { tracardi: Helpers };
}

export interface ReadyParams {
  tracker: TrackerApi;
  helpers: Helpers;
  context: TrackAnswer | null;
  config: TrackerOptions;
}

export interface ReadyHub {
  bind(listener: (params: ReadyParams) => void): void;
  call(params: ReadyParams): void;
}

declare global {
  interface Window {
    tracker?: Partial<TrackerApi>;
    tracardi?: { default?: TrackerApi };
    response?: { context: Properties };
    onTracardiReady?: ReadyHub | ((params: ReadyParams) => void);
    config?: TrackerOptions;
    options?: TrackerOptions;
  }
}
