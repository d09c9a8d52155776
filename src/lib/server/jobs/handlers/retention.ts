import type { Logger } from 'pino';
import type { ServiceContext } from '../../services/kernel/context';
import { runRetention } from '../../services/retention/retention';

/** The daily `retention` job: prunes what has expired and logs the counts (never a row's content). */
export async function runRetentionJob(context: ServiceContext, log: Logger): Promise<void> {
  const counts = await runRetention(context);
  log.info(counts, 'retention');
}
