import { describe, expect, it } from "vitest";
import { isCrawler } from "./bot.js";

describe("isCrawler", () => {
  it("flags crawlers", () => {
    expect(isCrawler("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)")).toBe(true);
    expect(isCrawler("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)")).toBe(true);
  });

  it("lets browsers and server-side HTTP clients through", () => {
    for (const ua of [
      "curl/8.5.0",
      "python-requests/2.32.0",
      "node",
      "Go-http-client/2.0",
      "okhttp/4.12.0",
    ]) {
      expect(isCrawler(ua), ua).toBe(false);
    }
    expect(
      isCrawler(
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
      ),
    ).toBe(false);
  });
});
