import { z } from 'zod';
import {
  communicationPolicyBounds,
  defaultCommunicationPolicy,
  type CommunicationPolicy,
  type CommunicationPolicyNumber,
} from '../../../domain/communication-policy';
import { severities } from '../../../domain/statuses';
import { recordAudit } from '../kernel/audit';
import type { Actor, ServiceContext } from '../kernel/context';
import { invalid, success, type ServiceResult } from '../kernel/errors';
import { parseInput } from '../kernel/validation';
import { readSetting, writeSetting } from '../settings/setting-rows';

const wholeNumber = (label: string, name: CommunicationPolicyNumber) => {
  const { min, max } = communicationPolicyBounds[name];
  return z.coerce
    .number({ error: `${label} must be a whole number.` })
    .int(`${label} must be a whole number.`)
    .min(min, `${label} must be at least ${min}.`)
    .max(max, `${label} must be at most ${max}.`);
};

const severityList = z
  .array(z.enum(severities, { error: 'Choose severities from the list.' }))
  .max(severities.length)
  .transform((items) => severities.filter((severity) => items.includes(severity)));

export const communicationPolicyInput = z.object({
  customerEmailDelaySeconds: wholeNumber('The delay', 'customerEmailDelaySeconds'),
  outageSeverities: severityList,
  updateCadenceMinutes: wholeNumber('The cadence', 'updateCadenceMinutes'),
  postmortemSeverities: severityList,
  postmortemWindowHours: wholeNumber('The post-mortem window', 'postmortemWindowHours'),
  postmortemReminderHours: wholeNumber('The reminder', 'postmortemReminderHours'),
});

const POLICY_KEY = 'communication';

export async function getCommunicationPolicy(context: Pick<ServiceContext, 'db'>): Promise<CommunicationPolicy> {
  const row = await readSetting(context.db, POLICY_KEY);
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
    return invalid({ postmortemReminderHours: 'The reminder must come before the post-mortem is due.' });
  }
  const now = context.clock.now();
  return context.db.transaction(async (tx) => {
    const before = await getCommunicationPolicy({ db: tx });
    await writeSetting(tx, POLICY_KEY, parsed.value, now);
    await recordAudit(tx, actor, now, {
      action: 'settings.communication',
      entityType: 'setting',
      entityId: POLICY_KEY,
      before,
      after: parsed.value,
    });
    return success(parsed.value);
  });
}
