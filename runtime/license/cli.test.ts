import { mkdtemp, readFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type CliIO, licenseCommand } from "./cli.js";

function io(env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const value: CliIO = {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    env,
    now: () => new Date("2026-06-01T00:00:00Z"),
  };
  return { io: value, out, err };
}

describe("tracardi license", () => {
  it("keygen, issue and inspect work together", async () => {
    const dir = await mkdtemp(join(tmpdir(), "trc-lic-"));
    expect(await licenseCommand(["keygen", "--out", dir], io().io)).toBe(0);
    expect((await stat(join(dir, "license-private.pem"))).mode & 0o777).toBe(0o600);

    const issued = io();
    const code = await licenseCommand(
      [
        "license",
        "issue",
        "--private-key",
        join(dir, "license-private.pem"),
        "--owner",
        "Acme",
        "--expires",
        "2027-01-31",
        "--features",
        "a, b",
      ],
      issued.io,
    );
    expect(code).toBe(0);
    const key = issued.out.join("").trim();
    expect(key).toMatch(/^TRC1\.[\w-]+\.[\w-]+$/);

    const inspected = io();
    expect(
      await licenseCommand(["inspect", key, "--public-key", join(dir, "license-public.pem")], inspected.io),
    ).toBe(0);
    const report = JSON.parse(inspected.out.join(""));
    expect(report).toMatchObject({
      owner: "Acme",
      features: ["a", "b"],
      status: "Valid",
      daysRemaining: 244,
    });

    const viaEnv = io({
      TRACARDI_LICENSE_PUBLIC_KEY: await readFile(join(dir, "license-public.pem"), "utf8"),
    });
    expect(await licenseCommand(["inspect", key], viaEnv.io)).toBe(0);
    expect(JSON.parse(viaEnv.out.join("")).status).toBe("Valid");
  });

  it("inspect without a public key shows the body but says the signature was not checked", async () => {
    const dir = await mkdtemp(join(tmpdir(), "trc-lic-"));
    await licenseCommand(["keygen", "--out", dir], io().io);
    const issued = io();
    await licenseCommand(
      ["issue", "--private-key", join(dir, "license-private.pem"), "--owner", "X", "--expires", "2026-01-01"],
      issued.io,
    );
    const inspected = io();
    expect(await licenseCommand(["inspect", issued.out.join("").trim()], inspected.io)).toBe(0);
    expect(JSON.parse(inspected.out.join("")).signature).toContain("not checked");
  });

  it("exits non-zero on usage errors and bad keys", async () => {
    const missing = io();
    expect(await licenseCommand(["issue", "--owner", "x"], missing.io)).toBe(2);
    expect(missing.err.join("")).toContain("--private-key is required");
    expect(await licenseCommand(["inspect", "garbage"], io().io)).toBe(2);
    expect(await licenseCommand(["frobnicate"], io().io)).toBe(2);
  });
});
