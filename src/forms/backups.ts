import type { FormHandler } from './form';
import { requestBackupNow } from '../lib/server/services/backup/scheduled-backup';

/** "Back up now": owners only, after proving who they are, like other sensitive owner actions. */
export const backUpNowForm: FormHandler = {
  role: 'owner',
  reauthenticate: true,
  async run({ actor, context }) {
    await requestBackupNow(context, actor);
    return {
      ok: true,
      value: { location: '/admin/settings/backups', notice: 'A backup is queued. Reload this page in a minute to see how it went.' },
    };
  },
};
