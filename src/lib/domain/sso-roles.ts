import { roles, type Role } from './roles';

/** The values a claim holds: a string is one value, an array its strings; anything else holds none. */
function claimValues(claim: unknown): Set<string> {
  if (typeof claim === 'string') return new Set([claim]);
  if (Array.isArray(claim)) return new Set(claim.filter((value): value is string => typeof value === 'string'));
  return new Set();
}

/**
 * The role an SSO user gets: the highest role one of whose configured values (OIDC_<ROLE>_VALUES)
 * the claim holds, compared exactly (group ids and names are case-sensitive at most providers);
 * null when none matches, and such a user is refused.
 */
export function roleFromClaim(claim: unknown, roleValues: Readonly<Record<Role, readonly string[]>>): Role | null {
  const held = claimValues(claim);
  for (const role of [...roles].reverse()) {
    if (roleValues[role].some((value) => held.has(value))) return role;
  }
  return null;
}
