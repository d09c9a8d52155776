import { z } from 'zod';
import { communicationPolicyInput, getCommunicationPolicy, updateCommunicationPolicy } from '../../services/plan/policy';
import { success } from '../../services/kernel/errors';
import { getPageSettings, pageSettingsInput, updatePageSettings } from '../../services/settings/page-settings';
import { patched, route } from '../route';

const pageSettingsResource = z.object({
  name: z.string(),
  description: z.string().nullable(),
  timeZone: z.string(),
  upcomingMaintenanceDays: z.number().int(),
});

const communicationPolicyResource = z.object({
  customerEmailDelaySeconds: z.number().int(),
  outageSeverities: z.array(z.string()),
  updateCadenceMinutes: z.number().int(),
  postmortemSeverities: z.array(z.string()),
  postmortemWindowHours: z.number().int(),
  postmortemReminderHours: z.number().int(),
});

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
    summary: 'The communication plan: customer-email delay (seconds), outage severities, update cadence, post-mortem window',
    tag: 'Settings',
    role: 'viewer',
    response: { status: 200, description: 'The communication policy', schema: communicationPolicyResource },
    handle: async ({ context }) => success(await getCommunicationPolicy(context)),
  }),
  route({
    method: 'PATCH',
    path: '/settings/communication',
    operationId: 'updateCommunicationPolicy',
    summary: 'Change the communication plan (fields left out keep their values)',
    tag: 'Settings',
    role: 'admin',
    body: communicationPolicyInput.partial(),
    response: { status: 200, description: 'The communication policy as saved', schema: communicationPolicyResource },
    async handle({ context, principal, body }) {
      const result = await updateCommunicationPolicy(
        context,
        principal.actor,
        patched({ ...(await getCommunicationPolicy(context)) }, body) as z.input<typeof communicationPolicyInput>,
      );
      return result.ok ? success(result.value) : result;
    },
  }),
];
