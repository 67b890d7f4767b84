// The runtime image built without Docker (e2e/scripts/runtime-image.sh from runtime-image.json)
// must start like the Dockerfile's: same entrypoint, user, working dir, command, env, ports, volumes.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { finalStageSettings } from "./dockerfile.js";

const root = new URL("../../", import.meta.url);
const dockerfile = finalStageSettings(readFileSync(new URL("Dockerfile", root), "utf8"));
const local = JSON.parse(readFileSync(new URL("e2e/image/runtime-image.json", root), "utf8")) as Record<
  string,
  unknown
>;

describe("the local runtime image definition", () => {
  it("has the Dockerfile's entrypoint, user and working dir", () => {
    expect(dockerfile.entrypoint).toEqual(["node", "dist/runtime/cli.js"]);
    expect(local.entrypoint).toEqual(dockerfile.entrypoint);
    expect(local.user).toBe(dockerfile.user);
    expect(local.workingDir).toBe(dockerfile.workingDir);
  });

  it("has the Dockerfile's command, environment, ports and volumes", () => {
    expect(local.cmd).toEqual(dockerfile.cmd);
    expect(local.env).toEqual(dockerfile.env);
    expect(local.exposedPorts).toEqual(dockerfile.exposedPorts);
    expect(local.volumes).toEqual(dockerfile.volumes);
  });
});

describe("finalStageSettings", () => {
  it("reads the last stage only, with continuation lines", () => {
    const settings = finalStageSettings(
      [
        "FROM a AS build",
        "WORKDIR /src",
        "USER 1",
        "FROM b",
        "ENV A=1 \\",
        '    B="two"',
        "WORKDIR /app",
        "USER 10001:10001",
        'ENTRYPOINT ["node", "x.js"]',
      ].join("\n"),
    );
    expect(settings).toMatchObject({
      workingDir: "/app",
      user: "10001:10001",
      entrypoint: ["node", "x.js"],
      env: { A: "1", B: "two" },
    });
  });
});
