import { describe, expect, it } from "vitest";
import { parseMysqlUrl } from "./url.js";

describe("parseMysqlUrl", () => {
  it("reads host, port and database", () => {
    expect(parseMysqlUrl("mysql://mysql.data:3307/tracardi")).toEqual({
      host: "mysql.data",
      port: 3307,
      database: "tracardi",
      user: null,
    });
  });

  it("defaults the port to 3306 and takes a user, an IPv6 host and an encoded database name", () => {
    expect(parseMysqlUrl("mysql://admin@[::1]/my%20db")).toEqual({
      host: "::1",
      port: 3306,
      database: "my db",
      user: "admin",
    });
  });

  it("rejects other schemes, a missing database and passwords, without repeating the URL", () => {
    expect(() => parseMysqlUrl("postgres://h/db")).toThrow(/must start with mysql:\/\//);
    expect(() => parseMysqlUrl("mysql://h:1")).toThrow(/h:1 must name one database/);
    expect(() => parseMysqlUrl("mysql://h/a/b")).toThrow(/one database/);
    expect(() => parseMysqlUrl("not a url")).toThrow(/not a URL/);
    const leak = () => parseMysqlUrl("mysql://u:hunter2@h/db");
    expect(leak).toThrow(/must not carry a password/);
    expect(leak).not.toThrow(/hunter2/);
  });
});
