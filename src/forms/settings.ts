import { setAllowPrivateWebhookTargets, updatePageSettings } from '../lib/server/services/settings/page-settings';
import { isTicked, type FormHandler } from './form';

export const updatePageSettingsForm: FormHandler = {
  role: 'admin',
  async run({ values, actor, context }) {
    const result = await updatePageSettings(context, actor, {
      name: String(values.name ?? ''),
      description: String(values.description ?? ''),
      timeZone: String(values.timeZone ?? ''),
      upcomingMaintenanceDays: String(values.upcomingMaintenanceDays ?? ''),
    });
    return result.ok ? { ok: true, value: { location: '/admin/settings', notice: 'Settings saved.' } } : result;
  },
};

export const updateWebhookTargetsForm: FormHandler = {
  role: 'admin',
  async run({ values, actor, context }) {
    const result = await setAllowPrivateWebhookTargets(context, actor, isTicked(values.allowPrivateWebhookTargets));
    return result.ok ? { ok: true, value: { location: '/admin/settings', notice: 'Webhook settings saved.' } } : result;
  },
};
