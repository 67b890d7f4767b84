import { describe, expect, it } from "vitest";
import { watchProcessErrors } from "./process-errors.js";

describe("watchProcessErrors", () => {
  it("logs an unhandled rejection with its thread and stack and counts it", async () => {
    const lines: string[] = [];
    const counted: string[] = [];
    const stop = watchProcessErrors(
      "main",
      ["rejection"],
      (kind) => counted.push(kind),
      (line) => lines.push(line),
    );
    try {
      Promise.reject(new Error("nobody awaited this"));
      await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      stop();
    }
    expect(counted).toEqual(["rejection"]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^unhandled rejection on the main thread: Error: nobody awaited this\n\s+at /);
  });

  it("logs and counts an uncaught exception only when asked to", () => {
    const counted: string[] = [];
    const lines: string[] = [];
    const stop = watchProcessErrors(
      "main",
      ["exception"],
      (kind) => counted.push(kind),
      (line) => lines.push(line),
    );
    try {
      const emit = process.emit.bind(process) as (event: string, ...args: unknown[]) => boolean;
      emit("uncaughtException", new TypeError("x is undefined"), "uncaughtException");
    } finally {
      stop();
    }
    expect(counted).toEqual(["exception"]);
    expect(lines[0]).toMatch(
      /^uncaught exception \(uncaughtException\) on the main thread: TypeError: x is undefined/,
    );
  });
});
