import { describe, expect, it } from "vitest";
import { BackendUnavailableError } from "../../ports/unavailable.js";
import { mysqlError } from "./pool.js";

const coded = (message: string, code: string, fatal = false) =>
  Object.assign(new Error(message), { code, fatal });

describe("mysqlError", () => {
  it("makes a refused, lost or overloaded connection a BackendUnavailableError that says where", () => {
    const refused = mysqlError(
      "MySQL at db:3306/t (identity)",
      coded("connect ECONNREFUSED 10.0.0.1:3306", "ECONNREFUSED"),
    );
    expect(refused).toBeInstanceOf(BackendUnavailableError);
    expect(refused.message).toBe("MySQL at db:3306/t (identity): connect ECONNREFUSED 10.0.0.1:3306");
    expect(mysqlError("x", coded("Connection lost", "PROTOCOL_CONNECTION_LOST", true))).toBeInstanceOf(
      BackendUnavailableError,
    );
    expect(mysqlError("x", new Error("Queue limit reached."))).toBeInstanceOf(BackendUnavailableError);
    const everyAddress = new AggregateError([coded("", "ECONNREFUSED"), coded("", "ECONNREFUSED")]);
    expect(mysqlError("x", everyAddress)).toBeInstanceOf(BackendUnavailableError);
  });

  it("leaves a statement's own error (the server answered) an ordinary error", () => {
    const syntax = mysqlError("x", coded("You have an error in your SQL syntax", "ER_PARSE_ERROR"));
    expect(syntax).not.toBeInstanceOf(BackendUnavailableError);
    expect(syntax.message).toBe("x: You have an error in your SQL syntax");
  });
});
