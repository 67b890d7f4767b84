import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The private API's token and where it came from; callers say where it is, never what it is. */
export interface AdminToken {
  token: string;
  /** The file holding a generated token; null when TRACARDI_ADMIN_TOKEN gave it. */
  file: string | null;
}

/**
 * The private API's token: from TRACARDI_ADMIN_TOKEN, else generated once and kept (mode 0600) in the
 * data directory so it survives restarts.
 */
export function adminToken(configured: string | null, dataDir: string): AdminToken {
  if (configured !== null) return { token: configured, file: null };
  const file = join(dataDir, "admin-token");
  if (existsSync(file)) return { token: readFileSync(file, "utf8").trim(), file };
  const token = randomBytes(24).toString("base64url");
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return { token, file };
}

/** The banner's line about the token: where to read it (a log is no place for a credential). */
export function adminTokenLine(token: AdminToken): string {
  return token.file === null
    ? "  admin token  from TRACARDI_ADMIN_TOKEN"
    : `  admin token  in ${token.file}  (TOKEN=$(cat ${token.file}); set TRACARDI_ADMIN_TOKEN to choose one)`;
}
