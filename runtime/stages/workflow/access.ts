import { unsafePathProblem } from "../../domain/paths.js";
import { WRITABLE_PROFILE_ROOTS } from "../../domain/profile-fields.js";
import type { PathRef } from "./tql/ast.js";
import { formatPath } from "./tql/ast.js";

/** Profile fields a workflow may write, as for event-to-profile mappings (tracardi.md §4 step 13). */
export const PROFILE_WRITABLE_ROOTS: ReadonlySet<string> = new Set(WRITABLE_PROFILE_ROOTS);

const READ_ONLY: Record<"session" | "event", ReadonlySet<string>> = {
  session: new Set(["id", "profile", "metadata"]),
  event: new Set(["id", "metadata", "source", "session", "profile"]),
};

/** Why `ref` may not be written, or undefined when it may. */
export function writeProblem(ref: PathRef): string | undefined {
  const unsafe = unsafePathProblem(ref.path);
  if (unsafe) return `${formatPath(ref)}: ${unsafe}`;
  const top = ref.path.split(".")[0] ?? "";
  switch (ref.root) {
    case "payload":
      return undefined;
    case "memory":
      return ref.path === "" ? "memory@ needs a key" : undefined;
    case "profile":
      if (!PROFILE_WRITABLE_ROOTS.has(top)) {
        return `${formatPath(ref)} is read-only; a workflow may write profile@${[...PROFILE_WRITABLE_ROOTS].join(", profile@")}`;
      }
      return undefined;
    case "session":
    case "event":
      if (ref.path === "" || READ_ONLY[ref.root].has(top)) return `${formatPath(ref)} is read-only`;
      return undefined;
  }
}
