import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { errorMessage } from "../error-message.js";
import { decodeKey, LicenseFormatError, parseExpiry } from "./format.js";
import { generateLicenseKeyPair, issueLicense } from "./issue.js";
import { verifyLicense } from "./verify.js";

const USAGE = `usage:
  tracardi license keygen --out DIR
  tracardi license issue --private-key FILE --owner NAME --expires DATE [--features a,b]
  tracardi license inspect KEY [--public-key FILE]   (or TRACARDI_LICENSE_PUBLIC_KEY=PEM)
`;

export interface CliIO {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
  now: () => Date;
}

const defaultIO: CliIO = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  env: process.env,
  now: () => new Date(),
};

/** `tracardi license …`; argv starts at the subcommand (a leading "license" is tolerated). Returns the exit code. */
export async function licenseCommand(argv: string[], io: CliIO = defaultIO): Promise<number> {
  const args = argv[0] === "license" ? argv.slice(1) : argv;
  const [sub, ...rest] = args;
  try {
    switch (sub) {
      case "keygen":
        return await keygen(rest, io);
      case "issue":
        return await issue(rest, io);
      case "inspect":
        return await inspect(rest, io);
      default:
        io.err(USAGE);
        return sub === "help" || sub === "--help" ? 0 : 2;
    }
  } catch (err) {
    io.err(`tracardi license ${sub}: ${errorMessage(err)}\n`);
    return err instanceof UsageError || err instanceof LicenseFormatError ? 2 : 1;
  }
}

class UsageError extends Error {}

function required(value: string | undefined, flag: string): string {
  if (!value) throw new UsageError(`${flag} is required\n${USAGE}`);
  return value;
}

async function keygen(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { out: { type: "string" } } });
  const dir = required(values.out, "--out");
  await mkdir(dir, { recursive: true });
  const pair = generateLicenseKeyPair();
  const privatePath = join(dir, "license-private.pem");
  const publicPath = join(dir, "license-public.pem");
  await writeFile(privatePath, pair.privateKey, { mode: 0o600 });
  await writeFile(publicPath, pair.publicKey, { mode: 0o644 });
  io.out(`wrote ${privatePath} and ${publicPath}\n`);
  return 0;
}

async function issue(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      "private-key": { type: "string" },
      owner: { type: "string" },
      expires: { type: "string" },
      features: { type: "string" },
    },
  });
  const privateKey = await readFile(required(values["private-key"], "--private-key"), "utf8");
  const features = (values.features ?? "")
    .split(",")
    .map((f) => f.trim())
    .filter((f) => f !== "");
  const key = issueLicense(
    {
      owner: required(values.owner, "--owner"),
      expires: parseExpiry(required(values.expires, "--expires")),
      features,
      issued: io.now(),
    },
    privateKey,
  );
  io.out(`${key}\n`);
  return 0;
}

async function inspect(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { "public-key": { type: "string" } },
  });
  const key = required(positionals[0], "KEY");
  const { body } = decodeKey(key);
  const publicKey = values["public-key"]
    ? await readFile(values["public-key"], "utf8")
    : io.env.TRACARDI_LICENSE_PUBLIC_KEY;
  if (!publicKey) {
    io.out(`${JSON.stringify({ ...body, signature: "not checked (no public key given)" }, null, 2)}\n`);
    return 0;
  }
  const check = verifyLicense(key, publicKey, io.now());
  io.out(
    `${JSON.stringify({ ...body, status: check.status, daysRemaining: check.daysRemaining, message: check.message }, null, 2)}\n`,
  );
  return check.status === "Valid" || check.status === "ExpiringSoon" ? 0 : 1;
}
