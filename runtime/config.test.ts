import { describe, expect, it } from "vitest";
import { backendSettings, ConfigError, loadConfig } from "./config.js";

describe("backend settings", () => {
  it("serves everything from the embedded file by default", () => {
    expect(backendSettings({})).toEqual({
      queue: { kind: "embedded" },
      store: { kind: "embedded" },
      config: { kind: "embedded" },
    });
  });

  it("reads what the operator's ConfigMap and Secret references set", () => {
    const settings = backendSettings({
      TRACARDI_QUEUE: "pulsar",
      TRACARDI_PULSAR_URL: "pulsar://pulsar-broker.data:6650",
      TRACARDI_PULSAR_TOKEN: "jwt",
      TRACARDI_STORE: "opensearch",
      TRACARDI_SEARCH_URL: "https://search.data:9200",
      TRACARDI_SEARCH_USER: "elastic",
      TRACARDI_SEARCH_PASSWORD: "pw",
      TRACARDI_MYSQL_URL: "mysql://mysql.data:3306/tracardi",
      TRACARDI_MYSQL_USER: "tracardi",
      TRACARDI_MYSQL_PASSWORD: "pw2",
    });
    expect(settings.queue).toEqual({
      kind: "pulsar",
      serviceUrl: "pulsar://pulsar-broker.data:6650",
      webUrl: null,
      token: "jwt",
      tenant: "public",
      namespace: "default",
      topicPrefix: "tracardi-",
    });
    expect(settings.store).toMatchObject({
      kind: "opensearch",
      url: "https://search.data:9200",
      user: "elastic",
    });
    expect(settings.config).toMatchObject({
      kind: "mysql",
      url: "mysql://mysql.data:3306/tracardi",
      password: "pw2",
    });
  });

  it("takes Pulsar's web URL, namespace and topic prefix when given", () => {
    const given = backendSettings({
      TRACARDI_QUEUE: "pulsar",
      TRACARDI_PULSAR_URL: "pulsar://127.0.0.1:16650",
      TRACARDI_PULSAR_WEB_URL: "http://127.0.0.1:18080",
      TRACARDI_PULSAR_NAMESPACE: "shop/events",
      TRACARDI_PULSAR_TOPIC_PREFIX: "t1-",
    });
    expect(given.queue).toMatchObject({
      webUrl: "http://127.0.0.1:18080",
      tenant: "shop",
      namespace: "events",
      topicPrefix: "t1-",
    });
    expect(() =>
      backendSettings({
        TRACARDI_QUEUE: "pulsar",
        TRACARDI_PULSAR_URL: "pulsar://p:6650",
        TRACARDI_PULSAR_NAMESPACE: "x",
      }),
    ).toThrow(/TRACARDI_PULSAR_NAMESPACE must be tenant\/namespace/);
  });

  it("names the variable and the allowed values when a setting is wrong", () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ TRACARDI_QUEUE: "kafka" }, /TRACARDI_QUEUE must be one of embedded, pulsar, got "kafka"/],
      [{ TRACARDI_QUEUE: "pulsar" }, /TRACARDI_PULSAR_URL is required/],
      [
        { TRACARDI_QUEUE: "pulsar", TRACARDI_PULSAR_URL: "http://x:8080" },
        /TRACARDI_PULSAR_URL must be pulsar:\/\/host:6650 .*give it as TRACARDI_PULSAR_WEB_URL/,
      ],
      [
        { TRACARDI_QUEUE: "pulsar", TRACARDI_PULSAR_URL: "pulsar://x:16650" },
        /not on Pulsar's default port 6650 or 6651.*set TRACARDI_PULSAR_WEB_URL/,
      ],
      [
        {
          TRACARDI_QUEUE: "pulsar",
          TRACARDI_PULSAR_URL: "pulsar://x:6650",
          TRACARDI_PULSAR_WEB_URL: "ws://x:8080",
        },
        /TRACARDI_PULSAR_WEB_URL must be http:\/\/host:8080/,
      ],
      [{ TRACARDI_STORE: "opensearch" }, /TRACARDI_SEARCH_URL is required/],
      [{ TRACARDI_MYSQL_URL: "mysql://db:3306" }, /must name a database/],
      [{ TRACARDI_MYSQL_URL: "not a url" }, /TRACARDI_MYSQL_URL is not a URL/],
    ];
    for (const [env, message] of cases) expect(() => backendSettings(env)).toThrow(message);
  });

  it("refuses a password inside TRACARDI_MYSQL_URL without repeating it", () => {
    const attempt = () => backendSettings({ TRACARDI_MYSQL_URL: "mysql://u:s3cret@db:3306/tracardi" });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/TRACARDI_MYSQL_PASSWORD/);
    try {
      attempt();
    } catch (error) {
      expect((error as Error).message).not.toContain("s3cret");
    }
  });

  it("is part of the loaded configuration", () => {
    expect(
      loadConfig({ TRACARDI_STORE: "elasticsearch", TRACARDI_SEARCH_URL: "http://es:9200" }).backends.store,
    ).toEqual({
      kind: "elasticsearch",
      url: "http://es:9200",
      user: null,
      password: null,
      indexPrefix: "",
      refresh: true,
    });
  });

  it("refreshes on every stored batch unless TRACARDI_SEARCH_REFRESH is false", () => {
    const store = (value: string) =>
      loadConfig({
        TRACARDI_STORE: "opensearch",
        TRACARDI_SEARCH_URL: "http://os:9200",
        TRACARDI_SEARCH_REFRESH: value,
      }).backends.store;
    expect(store("false")).toMatchObject({ refresh: false });
    expect(store("true")).toMatchObject({ refresh: true });
    expect(() => store("wait_for")).toThrow(/TRACARDI_SEARCH_REFRESH must be one of true, false/);
  });
});

describe("outbound HTTP", () => {
  it("refuses private addresses unless TRACARDI_HTTP_ALLOW_PRIVATE is true", () => {
    expect(loadConfig({}).httpAllowPrivate).toBe(false);
    expect(loadConfig({ TRACARDI_HTTP_ALLOW_PRIVATE: "true" }).httpAllowPrivate).toBe(true);
    expect(() => loadConfig({ TRACARDI_HTTP_ALLOW_PRIVATE: "maybe" })).toThrow(
      /TRACARDI_HTTP_ALLOW_PRIVATE must be true or false/,
    );
  });
});

describe("dispatch", () => {
  it("caps deliveries in flight per destination at TRACARDI_DISPATCH_MAX_CONCURRENCY, at least 1", () => {
    expect(loadConfig({}).dispatchMaxConcurrency).toBe(64);
    expect(loadConfig({ TRACARDI_DISPATCH_MAX_CONCURRENCY: "8" }).dispatchMaxConcurrency).toBe(8);
    expect(() => loadConfig({ TRACARDI_DISPATCH_MAX_CONCURRENCY: "0" })).toThrow(
      /TRACARDI_DISPATCH_MAX_CONCURRENCY must be at least 1/,
    );
  });
});
