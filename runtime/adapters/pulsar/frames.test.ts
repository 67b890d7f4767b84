import { describe, expect, it } from "vitest";
import {
  attemptOf,
  nackFrame,
  PROP,
  parseProducerAck,
  parseReceived,
  permitFrame,
  producerFrame,
  queuedAtOf,
  retryDelayMs,
} from "./frames.js";

describe("Pulsar WebSocket frames", () => {
  it("encodes a message as a producer frame with a base64 payload", () => {
    const frame = producerFrame(
      { key: "k", text: '{"a":"é"}', properties: { [PROP.attempt]: "2" }, deliverAfterMs: 12.3 },
      "7",
    );
    expect(frame).toEqual({
      payload: Buffer.from('{"a":"é"}').toString("base64"),
      key: "k",
      context: "7",
      properties: { "tracardi-attempt": "2" },
      deliverAfterMs: 13,
    });
  });

  it("leaves out empty properties and non-positive delays", () => {
    expect(producerFrame({ key: "k", text: "1", properties: {}, deliverAfterMs: 0 }, "1")).toEqual({
      payload: "MQ==",
      key: "k",
      context: "1",
    });
  });

  it("reads producer confirmations and errors", () => {
    expect(parseProducerAck('{"result":"ok","messageId":"CAE=","context":"3"}')).toEqual({
      context: "3",
      ok: true,
    });
    expect(parseProducerAck('{"result":"send-error:3","errorMsg":"full","context":"4"}')).toEqual({
      context: "4",
      ok: false,
      error: "send-error:3: full",
    });
    expect(parseProducerAck('{"result":"ok"}')).toBeNull();
    expect(parseProducerAck("not json")).toBeNull();
  });

  it("decodes a received message", () => {
    const message = parseReceived(
      JSON.stringify({
        messageId: "CAMQADAA",
        payload: Buffer.from('{"n":1}').toString("base64"),
        properties: { [PROP.attempt]: "3", other: 5 },
        publishTime: "2026-11-28T10:05:59.236Z",
        redeliveryCount: 1,
        key: "k",
      }),
    );
    expect(message).toEqual({
      messageId: "CAMQADAA",
      key: "k",
      text: '{"n":1}',
      properties: { "tracardi-attempt": "3" },
      redeliveryCount: 1,
      publishedAt: Date.parse("2026-11-28T10:05:59.236Z"),
    });
    expect(attemptOf(message?.properties ?? {})).toBe(3);
    expect(parseReceived('{"endOfTopic":"false"}')).toBeNull();
  });

  it("writes permit and negative-acknowledge frames", () => {
    expect(JSON.parse(permitFrame(20))).toEqual({ type: "permit", permitMessages: 20 });
    expect(JSON.parse(nackFrame("id"))).toEqual({ type: "negativeAcknowledge", messageId: "id" });
  });

  it("treats a missing or bad attempt property as the first attempt", () => {
    expect(attemptOf({})).toBe(1);
    expect(attemptOf({ [PROP.attempt]: "x" })).toBe(1);
    expect(attemptOf({ [PROP.attempt]: "0" })).toBe(1);
  });
});

describe("a message's age", () => {
  const received = { messageId: "m", key: "k", text: "1", redeliveryCount: 0, publishedAt: 2000 };
  it("counts from the first publish: the kept property, else this copy's publish time", () => {
    expect(queuedAtOf({ ...received, properties: { [PROP.queuedAt]: "1000" } })).toBe(1000);
    expect(queuedAtOf({ ...received, properties: {} })).toBe(2000);
    expect(queuedAtOf({ ...received, properties: { [PROP.queuedAt]: "x" } })).toBe(2000);
    expect(queuedAtOf({ messageId: "m", key: "k", text: "1", redeliveryCount: 0, properties: {} })).toBe(
      undefined,
    );
  });
});

describe("retry backoff", () => {
  it("doubles from the base per failed attempt up to the cap", () => {
    expect([1, 2, 3, 4, 5].map((failed) => retryDelayMs(failed, 100, 1000))).toEqual([
      100, 200, 400, 800, 1000,
    ]);
  });
});
