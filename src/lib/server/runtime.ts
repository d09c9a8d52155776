import { systemClock } from './clock';
import type { Config } from './config';
import { processDatabase, type DatabaseHandle } from './db/client';
import { startJobQueue, type StartedQueue } from './jobs/queue';
import { startWorkers, type RunningWorkers, type WorkerStopReport } from './jobs/worker';
import { logger } from './logger';
import { invalidatePublicReads, PUBLIC_CHANGES_CHANNEL } from './public-cache';
import { createMailer, type Mailer } from './mail/transport';
import type { ServiceContext } from './services/kernel/context';
import { SHUTDOWN_GRACE_MS } from './shutdown';

/** Everything one Herald process shares: database, job queue, mailer, and the context built on them. */
export interface Runtime {
  handle: DatabaseHandle;
  jobs: StartedQueue;
  mailer: Mailer;
  context: ServiceContext;
  /**
   * Stops cleanly: the worker claims nothing more, the jobs in hand get up to `graceMs` to finish
   * or hand back their unsent part, then the queue and the mailer close. Says what happened to
   * the jobs (undefined when this process ran no worker).
   */
  stop(graceMs?: number): Promise<WorkerStopReport | undefined>;
}

const runtimeKey = Symbol.for('herald.runtime');
type GlobalWithRuntime = typeof globalThis & { [runtimeKey]?: Promise<Runtime> };

/**
 * The process's runtime, started once: migrations, the job queue, and (unless WORKER=false or
 * the caller says otherwise) the job worker. Kept on `globalThis` for the same reason as the
 * database handle: the start script and the built server are two module graphs in one process.
 */
export function processRuntime(settings: Config, options: { worker?: boolean } = {}): Promise<Runtime> {
  const store = globalThis as GlobalWithRuntime;
  const running = store[runtimeKey];
  if (running) return running;
  const starting = (async (): Promise<Runtime> => {
    const handle = await processDatabase(settings);
    const jobs = await startJobQueue(handle, settings.jobs);
    const mailer = createMailer(settings);
    const context: ServiceContext = { db: handle.db, clock: systemClock, queue: jobs.queue };
    const log = logger();
    jobs.boss.on('error', (error) => log.error({ err: error }, 'job queue error'));
    // Another process's write clears this process's public read cache too.
    const unlisten = await handle.listen(PUBLIC_CHANGES_CHANNEL, invalidatePublicReads);
    let workers: RunningWorkers | undefined;
    if (options.worker ?? settings.runWorker) {
      workers = await startWorkers(jobs.boss, { context, mailer, publicUrl: settings.publicUrl, log, backup: settings.backup });
      log.info({ mail: mailer.describe() }, 'job worker started');
    }
    return {
      handle,
      jobs,
      mailer,
      context,
      async stop(graceMs = SHUTDOWN_GRACE_MS) {
        await unlisten();
        workers?.beginStop();
        await jobs.stop(graceMs);
        mailer.close();
        store[runtimeKey] = undefined;
        return workers?.report();
      },
    };
  })();
  store[runtimeKey] = starting;
  // A start that failed (the database unreachable) is forgotten, so that the next call tries again.
  starting.catch(() => {
    if (store[runtimeKey] === starting) store[runtimeKey] = undefined;
  });
  return starting;
}

/** Stops the process's runtime if one was started (see Runtime.stop). */
export async function stopProcessRuntime(graceMs?: number): Promise<WorkerStopReport | undefined> {
  const pending = (globalThis as GlobalWithRuntime)[runtimeKey];
  return pending ? (await pending).stop(graceMs) : undefined;
}
