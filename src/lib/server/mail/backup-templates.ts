import { escapeHtml } from '../../domain/escape';
import { formatUtc } from '../../domain/time-format';
import { button, layout, type RenderedMail } from './templates';

/** To every owner: a backup run failed (written or verified), what is still kept, and where to act. */
export function backupFailedMail(options: {
  pageName: string;
  failedAt: Date;
  error: string;
  backupDir: string;
  /** The newest verified backup still kept ("2026-03-01 03:17 UTC, 1200 rows, 84.2 KB"), null when there is none. */
  lastVerified: string | null;
  backupsUrl: string;
}): RenderedMail {
  const subject = `[${options.pageName}] The backup failed`;
  const what = `The backup of the ${options.pageName} status page at ${formatUtc(options.failedAt)} failed: ${options.error}`;
  const kept = options.lastVerified
    ? `The older verified backups in ${options.backupDir} are kept; the newest is from ${options.lastVerified}.`
    : `There is no verified backup in ${options.backupDir} yet.`;
  const next = `Fix the cause, then use "Back up now" on the backups page: ${options.backupsUrl}`;
  const footer = 'You get this email because you are an owner of this status page. Herald sends it after every failed backup.';
  const text = [what, '', kept, '', next, '', '--', footer].join('\n');
  const html = layout({
    pageName: options.pageName,
    preheader: `The backup at ${formatUtc(options.failedAt)} failed.`,
    body: `<h1 style="margin:0 0 12px;font-size:20px">The backup failed</h1>
<p style="margin:0 0 12px">${escapeHtml(what)}</p>
<p style="margin:0 0 12px">${escapeHtml(kept)}</p>
<p style="margin:0 0 16px">Fix the cause, then use “Back up now” on the backups page.</p>
<p style="margin:0 0 16px">${button(options.backupsUrl, 'Open the backups page')}</p>
<p style="margin:0 0 12px;font-size:13px;word-break:break-all">Or open this link: ${escapeHtml(options.backupsUrl)}</p>`,
    footer: escapeHtml(footer),
  });
  return { subject, html, text };
}
