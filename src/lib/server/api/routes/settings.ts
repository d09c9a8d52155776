import { z } from 'zod';
import {
  cadenceBySeverityInput,
  communicationPolicyInput,
  getCommunicationPolicy,
  updateCommunicationPolicy,
} from '../../services/plan/policy';
import { success } from '../../services/kernel/errors';
import { getPageSettings, pageSettingsInput, updatePageSettings } from '../../services/settings/page-settings';
import { getRollbackCriteria, rollbackCriteriaInput, updateRollbackCriteria } from '../../services/plan/rollback';
import { patched, route } from '../route';

const pageSettingsResource = z.object({
  name: z.string(),
  description: z.string().nullable(),
  timeZone: z.string(),
  upcomingMaintenanceDays: z.number().int(),
});

const minutesOrNone = z.number().int().nullable();
const cadenceResource = z.object({ everyMinutes: minutesOrNone, forFirstMinutes: minutesOrNone, thenEveryMinutes: minutesOrNone });

const communicationPolicyResource = z.object({
  customerEmailDelaySeconds: z.number().int(),
  outageSeverities: z.array(z.string()),
  /** By severity: every `everyMinutes` (null: none), or that often for `forFirstMinutes` of the incident, then every `thenEveryMinutes`. */
  updateCadence: z.object({ critical: cadenceResource, high: cadenceResource, medium: cadenceResource, low: cadenceResource }),
  postmortemSeverities: z.array(z.string()),
  postmortemWindowHours: z.number().int(),
  postmortemReminderHours: z.number().int(),
});

const rollbackCriteriaResource = z.object({ criteria: z.array(z.object({ id: z.string(), label: z.string() })) });

async function pageSettings(context: Parameters<typeof getPageSettings>[0]) {
  const { updatedAt: _updatedAt, ...settings } = await getPageSettings(context);
  return settings;
}

export const settingsRoutes = [
  route({
    method: 'GET',
    path: '/settings/page',
    operationId: 'getPageSettings',
    summary: "The page's name, description, time zone and maintenance notice",
    tag: 'Settings',
    role: 'viewer',
    response: { status: 200, description: 'The page settings', schema: pageSettingsResource },
    handle: async ({ context }) => success(await pageSettings(context)),
  }),
  route({
    method: 'PATCH',
    path: '/settings/page',
    operationId: 'updatePageSettings',
    summary: 'Change the page settings (fields left out keep their values)',
    tag: 'Settings',
    role: 'admin',
    body: pageSettingsInput.partial(),
    response: { status: 200, description: 'The page settings as saved', schema: pageSettingsResource },
    async handle({ context, principal, body }) {
      const result = await updatePageSettings(
        context,
        principal.actor,
        patched(await pageSettings(context), body) as z.input<typeof pageSettingsInput>,
      );
      return result.ok ? success(await pageSettings(context)) : result;
    },
  }),
  route({
    method: 'GET',
    path: '/settings/communication',
    operationId: 'getCommunicationPolicy',
    summary: 'The communication plan: customer-email delay (seconds), outage severities, update cadence by severity, post-mortem window',
    tag: 'Settings',
    role: 'viewer',
    response: { status: 200, description: 'The communication policy', schema: communicationPolicyResource },
    handle: async ({ context }) => success(await getCommunicationPolicy(context)),
  }),
  route({
    method: 'PATCH',
    path: '/settings/communication',
    operationId: 'updateCommunicationPolicy',
    summary: 'Change the communication plan (fields left out, and severities left out of the cadence, keep their values)',
    tag: 'Settings',
    role: 'admin',
    body: communicationPolicyInput.extend({ updateCadence: cadenceBySeverityInput.partial() }).partial(),
    response: { status: 200, description: 'The communication policy as saved', schema: communicationPolicyResource },
    async handle({ context, principal, body }) {
      const current = await getCommunicationPolicy(context);
      const cadence = typeof body.updateCadence === 'object' && body.updateCadence !== null ? body.updateCadence : {};
      const result = await updateCommunicationPolicy(
        context,
        principal.actor,
        patched({ ...current }, { ...body, updateCadence: { ...current.updateCadence, ...cadence } }) as z.input<
          typeof communicationPolicyInput
        >,
      );
      return result.ok ? success(result.value) : result;
    },
  }),
  route({
    method: 'GET',
    path: '/settings/rollback-criteria',
    operationId: 'getRollbackCriteria',
    summary: 'The rollback criteria incidents may tick (their ids go in `rollbackCriteria`)',
    tag: 'Settings',
    role: 'viewer',
    response: { status: 200, description: 'The rollback criteria, in order', schema: rollbackCriteriaResource },
    handle: async ({ context }) => success({ criteria: await getRollbackCriteria(context) }),
  }),
  route({
    method: 'PATCH',
    path: '/settings/rollback-criteria',
    operationId: 'updateRollbackCriteria',
    summary: 'Replace the rollback criteria: an item with an id keeps (renames) it, one without is new; the measured two stay',
    tag: 'Settings',
    role: 'admin',
    body: rollbackCriteriaInput,
    response: { status: 200, description: 'The rollback criteria as saved', schema: rollbackCriteriaResource },
    async handle({ context, principal, body }) {
      const result = await updateRollbackCriteria(context, principal.actor, body as z.input<typeof rollbackCriteriaInput>);
      return result.ok ? success({ criteria: result.value }) : result;
    },
  }),
];
