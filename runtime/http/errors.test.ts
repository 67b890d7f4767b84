import { describe, expect, it } from "vitest";
import { withoutCredentials } from "./errors.js";

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
