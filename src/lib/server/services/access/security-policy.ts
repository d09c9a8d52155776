import { z } from 'zod';
import { roles, type Role } from '../../../domain/roles';
import { DEFAULT_SESSION_POLICY, SESSION_POLICY_BOUNDS, type SessionPolicy } from '../../../domain/session-policy';
import type { Database } from '../../db';
import { recordAudit } from '../kernel/audit';
import type { Actor, ServiceContext } from '../kernel/context';
import { success, type ServiceResult } from '../kernel/errors';
import { parseInput } from '../kernel/validation';
import { readSetting, writeSetting } from '../settings/setting-rows';

/** The owner's sign-in rules: session lifetimes, and which roles must have a second factor. */
export interface SecurityPolicy {
  session: SessionPolicy;
  secondFactorRoles: Role[];
}

const SECURITY_KEY = 'security';

const boundedWholeNumber = (label: string, bounds: { min: number; max: number }) => {
  const message = `${label}: enter a whole number from ${bounds.min} to ${bounds.max}.`;
  return z.coerce.number({ error: message }).int(message).min(bounds.min, message).max(bounds.max, message);
};

export const securityPolicyInput = z.object({
  idleMinutes: boundedWholeNumber('Idle timeout', SESSION_POLICY_BOUNDS.idleMinutes),
  absoluteHours: boundedWholeNumber('Longest session', SESSION_POLICY_BOUNDS.absoluteHours),
  secondFactorRoles: z.array(z.enum(roles, { error: 'Choose roles from the list.' })).default([]),
});

const DEFAULT_POLICY: SecurityPolicy = { session: DEFAULT_SESSION_POLICY, secondFactorRoles: [] };

/** The stored policy; the defaults for anything unset or stored by an older version. */
export async function getSecurityPolicy(db: Database): Promise<SecurityPolicy> {
  const row = await readSetting(db, SECURITY_KEY);
  const stored = securityPolicyInput.safeParse(row?.value ?? null);
  if (!stored.success) return DEFAULT_POLICY;
  const { idleMinutes, absoluteHours, secondFactorRoles } = stored.data;
  return { session: { idleMinutes, absoluteHours }, secondFactorRoles };
}

export async function updateSecurityPolicy(
  context: ServiceContext,
  actor: Actor,
  input: z.input<typeof securityPolicyInput>,
): Promise<ServiceResult<SecurityPolicy>> {
  const parsed = parseInput(securityPolicyInput, input);
  if (!parsed.ok) return parsed;
  const now = context.clock.now();
  return context.db.transaction(async (tx) => {
    const before = await getSecurityPolicy(tx);
    await writeSetting(tx, SECURITY_KEY, parsed.value, now);
    await recordAudit(tx, actor, now, {
      action: 'settings.security',
      entityType: 'setting',
      entityId: SECURITY_KEY,
      before,
      after: parsed.value,
    });
    const { idleMinutes, absoluteHours, secondFactorRoles } = parsed.value;
    return success({ session: { idleMinutes, absoluteHours }, secondFactorRoles });
  });
}
