import { updatePageSettings } from '../lib/server/services/settings';
import type { FormHandler } from './form';

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
