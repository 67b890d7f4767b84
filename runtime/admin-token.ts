import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The private API's token: from TRACARDI_ADMIN_TOKEN, else generated once and kept (mode 0600) in the
 * data directory so it survives restarts. `generated` tells whether the caller should show it.
 */
export function adminToken(
  configured: string | null,
  dataDir: string,
): { token: string; generated: boolean } {
  if (configured !== null) return { token: configured, generated: false };
  const file = join(dataDir, "admin-token");
  if (existsSync(file)) return { token: readFileSync(file, "utf8").trim(), generated: true };
  const token = randomBytes(24).toString("base64url");
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return { token, generated: true };
}
