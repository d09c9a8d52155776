import { systemClock } from './clock';
import type { Config } from './config';
import { processDatabase, type DatabaseHandle } from './db/client';
import { startJobQueue, type StartedQueue } from './jobs/queue';
import { startWorkers } from './jobs/worker';
import { logger } from './logger';
import { invalidatePublicReads, PUBLIC_CHANGES_CHANNEL } from './public-cache';
import { createMailer, type Mailer } from './mail/transport';
import type { ServiceContext } from './services/kernel/context';

/** Everything one Herald process shares: database, job queue, mailer, and the context built on them. */
export interface Runtime {
  handle: DatabaseHandle;
  jobs: StartedQueue;
  mailer: Mailer;
  context: ServiceContext;
  stop(): Promise<void>;
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
    if (options.worker ?? settings.runWorker) {
      await startWorkers(jobs.boss, { context, mailer, publicUrl: settings.publicUrl, log });
      log.info({ mail: mailer.describe() }, 'job worker started');
    }
    return {
      handle,
      jobs,
      mailer,
      context,
      async stop() {
        await unlisten();
        await jobs.stop();
        mailer.close();
        store[runtimeKey] = undefined;
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

/** Stops the process's runtime if one was started. */
export async function stopProcessRuntime(): Promise<void> {
  const pending = (globalThis as GlobalWithRuntime)[runtimeKey];
  if (pending) await (await pending).stop();
}
