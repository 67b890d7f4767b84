import { cleanId } from "../../domain/ids.js";
import type { ResolvedIdentity, TrackerPayload } from "../../domain/payload.js";
import type { IdentityIndex } from "../../ports/store.js";

export interface IdentityRequest {
  payload: Pick<TrackerPayload, "session" | "profile">;
  profileLess: boolean;
  /** REST source with `static_profile_id`: the given profile id is trusted as is. */
  staticProfileId: boolean;
  newId: () => string;
}

/**
 * The identity contract of tracardi.md §1.7: which profile and session a payload belongs to.
 * Runs at acceptance, so the response carries the final ids and one new session never gets two
 * profiles, however many requests race for it.
 */
export async function resolveIdentity(
  index: IdentityIndex,
  request: IdentityRequest,
): Promise<ResolvedIdentity> {
  const { payload, profileLess, newId } = request;
  const givenSession = cleanId(payload.session?.id);
  const givenProfile = cleanId(payload.profile?.id);

  const findOrCreateProfile = async (): Promise<{ id: string; created: boolean }> => {
    if (givenProfile !== null) {
      const existing = await index.resolveProfile(givenProfile);
      if (existing !== null) return { id: existing, created: false };
    }
    // An unknown profile id is treated as forged and replaced, unless the source trusts it.
    const id = request.staticProfileId && givenProfile !== null ? givenProfile : newId();
    index.registerProfile(id);
    return { id, created: true };
  };

  if (givenSession === null) {
    const sessionId = newId();
    if (profileLess) return identity(null, sessionId, false, false, true);
    const profile = await findOrCreateProfile();
    // Only a payload that had to create its profile keeps the artificial session (Tracardi does so).
    if (profile.created) index.bindSession(sessionId, profile.id);
    return identity(profile.id, sessionId, profile.created, profile.created, true);
  }

  const binding = await index.session(givenSession);
  if (binding === null) {
    const profile = profileLess ? null : await findOrCreateProfile();
    const bound = await index.claimSession(givenSession, profile?.id ?? null);
    if (bound === (profile?.id ?? null))
      return identity(bound, givenSession, profile?.created ?? false, true, false);
    // Another request opened this session first: its profile wins (a profile made here stays unused).
    if (bound !== null || profile === null)
      return identity(profileLess ? null : bound, givenSession, false, false, false);
    // ...without a profile (a profile-less hit): attach this one.
    index.bindSession(givenSession, profile.id);
    return identity(profile.id, givenSession, profile.created, false, false);
  }

  if (profileLess) return identity(null, givenSession, false, false, false);
  // The session's profile wins over the payload's; a merged-away id resolves to the survivor.
  const sessionProfile = binding.profileId === null ? null : await index.resolveProfile(binding.profileId);
  if (sessionProfile !== null) {
    if (sessionProfile !== binding.profileId) index.bindSession(givenSession, sessionProfile);
    return identity(sessionProfile, givenSession, false, false, false);
  }
  const profile = await findOrCreateProfile();
  index.bindSession(givenSession, profile.id);
  return identity(profile.id, givenSession, profile.created, false, false);
}

function identity(
  profileId: string | null,
  sessionId: string,
  profileCreated: boolean,
  sessionCreated: boolean,
  artificialSession: boolean,
): ResolvedIdentity {
  return { profileId, sessionId, profileCreated, sessionCreated, artificialSession };
}
