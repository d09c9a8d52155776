import { z } from 'zod';
import {
  cadenceFromUniformMinutes,
  cadenceProblems,
  communicationPolicyBounds,
  defaultCommunicationPolicy,
  type CommunicationPolicy,
  type CommunicationPolicyNumber,
  type UpdateCadenceNumber,
} from '../../../domain/communication-policy';
import { severities } from '../../../domain/statuses';
import { recordAudit } from '../kernel/audit';
import type { Actor, ServiceContext } from '../kernel/context';
import { invalid, success, type ServiceResult } from '../kernel/errors';
import { parseInput } from '../kernel/validation';
import { readSetting, writeSetting } from '../settings/setting-rows';

const wholeNumber = (label: string, name: CommunicationPolicyNumber | UpdateCadenceNumber) => {
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

/** A cadence number that may be left blank (null): no cadence, or no later one. */
const optionalMinutes = (label: string, name: UpdateCadenceNumber) =>
  z.preprocess((value) => (value === '' || value === undefined ? null : value), wholeNumber(label, name).nullable());

const cadenceInput = z.object({
  everyMinutes: optionalMinutes('The cadence', 'everyMinutes'),
  forFirstMinutes: optionalMinutes('The first period', 'forFirstMinutes'),
  thenEveryMinutes: optionalMinutes('The later cadence', 'thenEveryMinutes'),
});

/** One cadence per severity, each complete; the settings API may send only some severities. */
export const cadenceBySeverityInput = z.object({
  critical: cadenceInput,
  high: cadenceInput,
  medium: cadenceInput,
  low: cadenceInput,
} satisfies Record<(typeof severities)[number], typeof cadenceInput>);

export const communicationPolicyInput = z.object({
  customerEmailDelaySeconds: wholeNumber('The delay', 'customerEmailDelaySeconds'),
  outageSeverities: severityList,
  updateCadence: cadenceBySeverityInput,
  postmortemSeverities: severityList,
  postmortemWindowHours: wholeNumber('The post-mortem window', 'postmortemWindowHours'),
  postmortemReminderHours: wholeNumber('The reminder', 'postmortemReminderHours'),
});

const POLICY_KEY = 'communication';

/** A policy saved before cadence was per severity kept its one cadence (`updateCadenceMinutes`) for every severity. */
const legacyCadence = z.object({ updateCadenceMinutes: wholeNumber('The cadence', 'everyMinutes') });

export async function getCommunicationPolicy(context: Pick<ServiceContext, 'db'>): Promise<CommunicationPolicy> {
  const row = await readSetting(context.db, POLICY_KEY);
  const value = row?.value ?? {};
  const stored = communicationPolicyInput.partial().safeParse(value);
  const legacy = legacyCadence.safeParse(value);
  return {
    ...defaultCommunicationPolicy,
    ...(legacy.success ? { updateCadence: cadenceFromUniformMinutes(legacy.data.updateCadenceMinutes) } : {}),
    ...(stored.success ? stored.data : {}),
  };
}

/** Each severity's cadence must hold together: a later cadence needs its first period, and both need a first cadence. */
function cadenceErrors(policy: CommunicationPolicy): Record<string, string> {
  return Object.fromEntries(
    severities.flatMap((severity) =>
      Object.entries(cadenceProblems(policy.updateCadence[severity])).map(([field, message]) => [
        `updateCadence.${severity}.${field}`,
        message,
      ]),
    ),
  );
}

export async function updateCommunicationPolicy(
  context: ServiceContext,
  actor: Actor,
  input: z.input<typeof communicationPolicyInput>,
): Promise<ServiceResult<CommunicationPolicy>> {
  const parsed = parseInput(communicationPolicyInput, input);
  if (!parsed.ok) return parsed;
  const problems = cadenceErrors(parsed.value);
  if (parsed.value.postmortemReminderHours >= parsed.value.postmortemWindowHours) {
    problems.postmortemReminderHours = 'The reminder must come before the post-mortem is due.';
  }
  if (Object.keys(problems).length > 0) return invalid(problems);
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
