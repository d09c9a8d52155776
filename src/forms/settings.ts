import { setAllowPrivateWebhookTargets, updatePageSettings } from '../lib/server/services/settings/page-settings';
import { type FormHandler } from './form';
import { fieldText as text, isTicked } from './posted';

export const updatePageSettingsForm: FormHandler = {
  role: 'admin',
  async run({ values, actor, context }) {
    const result = await updatePageSettings(context, actor, {
      name: text(values.name),
      description: text(values.description),
      timeZone: text(values.timeZone),
      upcomingMaintenanceDays: text(values.upcomingMaintenanceDays),
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
