// What a site pastes to send events to a source: Tracardi's tracker options and loader, or curl.

const KEY = "tracardi.public-api-url";

/** What the console's server says about the public API (`/console-config.json`). */
export interface ConsoleConfig {
  publicApi: { url: string } | { port: number } | null;
}

/**
 * The public API as a browser on a site reaches it: what this browser saved, else what the server
 * says (a URL, or a port on the console's host), else the console's host on port 8686.
 */
export function publicApiUrl(config: ConsoleConfig | null): string {
  const saved = localStorage.getItem(KEY);
  if (saved) return saved;
  const api = config?.publicApi;
  if (api && "url" in api) return api.url.replace(/\/+$/, "");
  return `${location.protocol}//${location.hostname}:${api && "port" in api ? api.port : 8686}`;
}

export function savePublicApiUrl(url: string): void {
  localStorage.setItem(KEY, url.replace(/\/+$/, ""));
}

/**
 * Tracardi's loader snippet for a `rest` source: the options, then the loader the public API serves
 * (`/tracker/loader.min.js`, Tracardi's loader contract), which loads `<script>/liliput.min.js`.
 */
export function trackerSnippet(api: string, sourceId: string): string {
  return `<script>
  var options = {
    tracker: {
      url: {
        script: '${api}/tracker',
        api: '${api}'
      },
      source: {
        id: '${sourceId}'
      }
    }
  };
</script>
<script src="${api}/tracker/loader.min.js"></script>
<script>
  window.tracker.track('page-view', {});
</script>`;
}

/** The same event sent with curl: what a server or a quick test does. */
export function curlSnippet(api: string, sourceId: string): string {
  return `curl -s -X POST ${api}/track -H 'content-type: application/json' \\
  -d '{"source":{"id":"${sourceId}"},"session":{"id":"s-1"},"events":[{"type":"page-view","properties":{}}]}'`;
}

/** Tracardi's webhook bridge URL: the query string or body becomes one event's properties. */
export function webhookSnippet(api: string, sourceId: string): string {
  return `curl -s -X POST '${api}/collect/<event-type>/${sourceId}/<session id, optional>' \\
  -H 'content-type: application/json' -d '{"any": "properties"}'`;
}
