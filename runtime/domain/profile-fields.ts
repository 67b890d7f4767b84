/** Profile fields that mappings and workflows may write (tracardi.md §4 step 13); the rest is managed. */
export const WRITABLE_PROFILE_ROOTS: readonly string[] = [
  "data",
  "traits",
  "ids",
  "stats",
  "segments",
  "interests",
  "consents",
  "aux",
  "misc",
  "trash",
];
