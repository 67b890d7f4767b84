import { createIsbotFromList, list } from "isbot";

/**
 * Tracardi rejects crawlers (`DISALLOW_BOT_TRAFFIC`), but its parser does not count plain HTTP client
 * libraries as bots. isbot does, so the patterns that match those are left out: server-side
 * integrations calling /track with curl or a language's HTTP client are not bots.
 */
const HTTP_CLIENTS = [
  "curl/8.0",
  "Wget/1.21",
  "node",
  "undici",
  "node-fetch/1.0",
  "axios/1.6",
  "python-requests/2.31",
  "python-httpx/0.27",
  "Go-http-client/1.1",
  "okhttp/4.9",
  "Java/17",
  "Apache-HttpClient/5.2",
  "PostmanRuntime/7.36",
  "autocannon",
];

const crawlerPatterns = list.filter((pattern) => {
  const regex = new RegExp(pattern, "i");
  return !HTTP_CLIENTS.some((client) => regex.test(client));
});

const matches = createIsbotFromList(crawlerPatterns);
const seen = new Map<string, boolean>();

/** Memoised: a site's traffic has few distinct user agents, and the pattern is long. */
export function isCrawler(userAgent: string): boolean {
  let verdict = seen.get(userAgent);
  if (verdict === undefined) {
    verdict = matches(userAgent);
    if (seen.size >= 10_000) seen.clear();
    seen.set(userAgent, verdict);
  }
  return verdict;
}
