// What a site pastes to send events to a source. The tracker loader is Tracardi's snippet shape
// (options, then a loader that fetches `<script url>/liliput.min.js`); the runtime serves that file
// at `GET /tracker/liliput.min.js` on the public API.

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

/** Tracardi's JavaScript loader snippet for a `rest` source (tracker at `<api>/tracker`). */
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
  !function(e){var t=window.tracker=window.tracker||[];if(!t.initialize)if(t.invoked)
  window.console&&console.error&&console.error("Tracardi snippet included twice.");else{
  t.invoked=!0;t.methods=["track","page","identify"];t.factory=function(e){return function(){
  var r=Array.prototype.slice.call(arguments);r.unshift(e);t.push(r);return t}};
  for(var r=0;r<t.methods.length;r++){var n=t.methods[r];t[n]=t.factory(n)}
  t.load=function(e){var r=document.createElement("script");r.type="text/javascript";r.async=!0;
  r.src=e.tracker.url.script+"/liliput.min.js";var n=document.getElementsByTagName("script")[0];
  n.parentNode.insertBefore(r,n);t._options=e};t.SNIPPET_VERSION="0.0.1";t.load(e)}}(options);
</script>
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
