import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { defaultCommunicationPolicy, type CommunicationPolicy } from '../../../domain/communication-policy';
import { severities } from '../../../domain/statuses';
import { setting } from '../../db/schema';
import { recordAudit } from '../kernel/audit';
import type { Actor, ServiceContext } from '../kernel/context';
import { success, type ServiceResult } from '../kernel/errors';
import { parseInput } from '../kernel/validation';

const wholeNumber = (label: string, min: number, max: number) =>
  z.coerce
    .number({ error: `${label} must be a whole number.` })
    .int(`${label} must be a whole number.`)
    .min(min, `${label} must be at least ${min}.`)
    .max(max, `${label} must be at most ${max}.`);

const severityList = z
  .array(z.enum(severities, { error: 'Choose severities from the list.' }))
  .max(4)
  .transform((items) => severities.filter((severity) => items.includes(severity)));

export const communicationPolicyInput = z.object({
  customerEmailDelaySeconds: wholeNumber('The delay', 0, 86_400),
  outageSeverities: severityList,
  updateCadenceMinutes: wholeNumber('The cadence', 1, 1_440),
  postmortemSeverities: severityList,
  postmortemWindowHours: wholeNumber('The post-mortem window', 1, 720),
  postmortemReminderHours: wholeNumber('The reminder', 0, 720),
});

const POLICY_KEY = 'communication';

export async function getCommunicationPolicy(context: Pick<ServiceContext, 'db'>): Promise<CommunicationPolicy> {
  const [row] = await context.db.select().from(setting).where(eq(setting.key, POLICY_KEY));
  const stored = communicationPolicyInput.partial().safeParse(row?.value ?? {});
  return { ...defaultCommunicationPolicy, ...(stored.success ? stored.data : {}) };
}

export async function updateCommunicationPolicy(
  context: ServiceContext,
  actor: Actor,
  input: z.input<typeof communicationPolicyInput>,
): Promise<ServiceResult<CommunicationPolicy>> {
  const parsed = parseInput(communicationPolicyInput, input);
  if (!parsed.ok) return parsed;
  if (parsed.value.postmortemReminderHours >= parsed.value.postmortemWindowHours) {
    return { ok: false, failure: { kind: 'invalid', message: 'Please correct the highlighted fields.', fieldErrors: { postmortemReminderHours: 'The reminder must come before the post-mortem is due.' } } };
  }
  const now = context.clock.now();
  return context.db.transaction(async (tx) => {
    const before = await getCommunicationPolicy({ db: tx });
    await tx
      .insert(setting)
      .values({ key: POLICY_KEY, value: parsed.value, updatedAt: now })
      .onConflictDoUpdate({ target: setting.key, set: { value: parsed.value, updatedAt: now } });
    await recordAudit(tx, actor, now, { action: 'settings.communication', entityType: 'setting', entityId: POLICY_KEY, before, after: parsed.value });
    return success(parsed.value);
  });
}
