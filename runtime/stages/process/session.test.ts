import { describe, expect, it } from "vitest";
import { newSession, parsedUserAgent } from "./session.js";

const ANDROID =
  "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36";

describe("newSession", () => {
  it("reads device, OS and browser from the user agent, the same for every session with it", () => {
    const session = (id: string) =>
      newSession({ id, profileId: "p", channel: "web", context: {}, userAgent: ANDROID, now: new Date(0) });
    for (const s of [session("s1"), session("s2")]) {
      expect(s.os).toEqual({ name: "Android", version: "13" });
      expect(s.device?.touch).toBe(true);
      expect(s.device?.model).toBe("Pixel 7");
      expect(s.app?.name).toBe("Chrome");
    }
  });

  it("parses a user agent once and serves the same reading again", () => {
    const first = parsedUserAgent(ANDROID);
    expect(parsedUserAgent(ANDROID)).toBe(first);
    expect(parsedUserAgent("Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0").browser.name).toBe("Firefox");
  });
});
