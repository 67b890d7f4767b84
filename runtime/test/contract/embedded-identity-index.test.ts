import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GroupCommit, openDatabase } from "../../adapters/embedded/database.js";
import { EmbeddedIdentityIndex } from "../../adapters/embedded/identity.js";
import { describeIdentityIndexContract } from "./identity-index.js";

describeIdentityIndexContract("embedded", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tracardi-identity-"));
  const db = openDatabase(dir);
  const commits = new GroupCommit(db);
  return {
    index: new EmbeddedIdentityIndex(db, commits),
    // One process decides for the file (see claimSession); a second connection is not the deployment.
    other: null,
    close: async () => {
      await commits.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
