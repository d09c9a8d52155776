import { and, eq, isNull } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Config } from '../../config';
import { backupRun, user } from '../../db/schema';
import { backupFailedMail } from '../../mail/backup-templates';
import type { Mailer } from '../../mail/transport';
import { describeVerifiedRun, lastVerifiedBackup } from '../../services/backup/backup-history';
import { runScheduledBackup } from '../../services/backup/scheduled-backup';
import type { ServiceContext } from '../../services/kernel/context';
import { getPageSettings } from '../../services/settings/page-settings';
import type { JobData } from '../queue';

/** The `backup` job: on the schedule (no data) or asked for by an owner ("Back up now"). */
export async function runBackupJob(
  context: ServiceContext,
  settings: Pick<Config, 'backup'>,
  data: JobData['backup'],
  log: Logger,
): Promise<void> {
  const { run, pruned } = await runScheduledBackup(
    context,
    settings,
    data ? { trigger: 'manual', requestedBy: data.requestedBy } : { trigger: 'schedule' },
  );
  const details = { runId: run.id, outcome: run.outcome, file: run.fileName, rows: run.rows, bytes: run.bytes, pruned };
  if (run.outcome === 'failed') log.error({ ...details, error: run.error }, 'backup failed');
  else log.info(details, 'backup verified');
}

/**
 * The `backup-failure` job: emails every active owner that a run failed. A refused message throws,
 * so pg-boss retries the job (the owners who got it may get it twice; none is left out).
 */
export async function sendBackupFailure(
  context: ServiceContext,
  mailer: Mailer,
  options: { runId: string; publicUrl: string; backupDir: string },
): Promise<number> {
  const [run] = await context.db.select().from(backupRun).where(eq(backupRun.id, options.runId));
  if (run?.outcome !== 'failed') return 0;
  const [owners, page, verified] = await Promise.all([
    context.db
      .select({ email: user.email })
      .from(user)
      .where(and(eq(user.role, 'owner'), isNull(user.disabledAt))),
    getPageSettings(context),
    lastVerifiedBackup(context.db),
  ]);
  const publicUrl = options.publicUrl.replace(/\/+$/, '');
  const mail = backupFailedMail({
    pageName: page.name,
    failedAt: run.startedAt,
    error: run.error ?? 'no reason was recorded',
    backupDir: options.backupDir,
    lastVerified: verified ? describeVerifiedRun(verified) : null,
    backupsUrl: `${publicUrl}/admin/settings/backups`,
  });
  for (const [index, owner] of owners.entries()) {
    await mailer.send({
      to: owner.email,
      ...mail,
      messageId: `<backup-failure.${run.id}.${String(index)}@${new URL(publicUrl).hostname}>`,
      headers: { 'Auto-Submitted': 'auto-generated' },
    });
  }
  return owners.length;
}
