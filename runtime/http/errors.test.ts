import { describe, expect, it } from "vitest";
import { HttpError, rejectionReason, withoutCredentials } from "./errors.js";

describe("withoutCredentials", () => {
  it("drops URL user info and token or password parameters, and keeps the rest", () => {
    expect(withoutCredentials("cannot reach https://admin:s3cret@search:9200/x")).toBe(
      "cannot reach https://search:9200/x",
    );
    expect(withoutCredentials("ws://pulsar:8080/ws/v2/producer/t?sendTimeoutMillis=10&token=jwt.abc")).toBe(
      "ws://pulsar:8080/ws/v2/producer/t?sendTimeoutMillis=10&token=***",
    );
    expect(withoutCredentials("MySQL at db:3306/tracardi (identity): connect ECONNREFUSED")).toBe(
      "MySQL at db:3306/tracardi (identity): connect ECONNREFUSED",
    );
  });
});

describe("rejectionReason", () => {
  it("is null for answers that accepted the payload", () => {
    expect(rejectionReason(200, undefined)).toBeNull();
    expect(rejectionReason(304, undefined)).toBeNull();
  });

  it("takes the reason an HttpError carries, else the status and the error's kind", () => {
    expect(rejectionReason(401, new HttpError(401, "bot", "bot"))).toBe("bot");
    expect(rejectionReason(422, new HttpError(422, [], "too_deep"))).toBe("too_deep");
    expect(rejectionReason(422, new HttpError(422, "Event type can not be empty"))).toBe("invalid");
    expect(rejectionReason(413, { code: "FST_ERR_CTP_BODY_TOO_LARGE" })).toBe("too_large");
    expect(rejectionReason(415, { code: "FST_ERR_CTP_INVALID_MEDIA_TYPE" })).toBe("content_type");
    expect(rejectionReason(503, new Error("queue full"))).toBe("unavailable");
    expect(rejectionReason(500, new TypeError("bug"))).toBe("error");
    expect(rejectionReason(422, { code: "FST_ERR_CTP_EMPTY_JSON_BODY" })).toBe("not_json");
    expect(rejectionReason(422, { code: "FST_ERR_CTP_INVALID_JSON_BODY" })).toBe("not_json");
    const tooMany = { keyword: "maxItems", instancePath: "/events", params: { limit: 5 } };
    expect(rejectionReason(422, { validation: [tooMany] })).toBe("too_many_events");
    const missing = { keyword: "required", instancePath: "", params: { missingProperty: "source" } };
    expect(rejectionReason(422, { validation: [missing] })).toBe("invalid");
  });
});
