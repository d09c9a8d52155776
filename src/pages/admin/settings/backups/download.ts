import type { APIRoute } from 'astro';
import { allowed } from '../../../../lib/server/authorize';
import { config } from '../../../../lib/server/config';
import { downloadFreshBackup, downloadKeptBackup, type BackupDownload } from '../../../../lib/server/services/backup/backup-history';
import { labelOf } from '../../../../lib/server/services/access/users';

/**
 * A backup as a download, owners only: `?file=<name>` one the folder keeps (any other name is a
 * 404), or `?fresh` one written now and streamed. Never cached; every download is audited.
 */
export const GET: APIRoute = async ({ locals, rewrite, url }) => {
  if (!allowed(locals.user, 'owner')) return rewrite('/admin/forbidden?role=owner');
  const actor = { userId: locals.user.id, label: labelOf(locals.user) };
  let download: BackupDownload | null;
  if (url.searchParams.has('fresh')) download = await downloadFreshBackup(locals.context, actor);
  else download = await downloadKeptBackup(locals.context, config(), actor, url.searchParams.get('file') ?? '');
  if (!download) return rewrite('/404');
  return new Response(download.body, {
    headers: {
      'Content-Type': 'application/gzip',
      'Content-Disposition': `attachment; filename="${download.fileName}"`,
      'Cache-Control': 'no-store',
    },
  });
};
