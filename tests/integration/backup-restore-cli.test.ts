/**
 * `npm run herald -- backup` and `restore`, run for real on temporary DATA_DIRs: a backup and
 * its restore into a new folder, and the refusals (a page already there, a DATA_DIR a running
 * Herald holds, bad arguments) with their exit codes and one-line messages.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPglite } from '../../src/lib/server/db/client';
import { startJobQueue } from '../../src/lib/server/jobs/queue';
import { createComponent } from '../../src/lib/server/services/components/catalog';
import { FakeClock } from '../support/clock';
import { testActor } from '../support/factories';
import { childEnvironment, runTsx, type Finished } from '../support/run-tsx';

const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-backup-cli-'));
const pageDir = path.join(folder, 'page');
const backup = path.join(folder, 'page.herald.gz');

function herald(dataDir: string, args: string[]): Promise<Finished> {
  return runTsx(['src/cli.ts', ...args], childEnvironment({ DATA_DIR: dataDir }, ['DATABASE_URL']));
}

beforeAll(async () => {
  const handle = openPglite(pageDir);
  await handle.migrate();
  const jobs = await startJobQueue(handle, undefined, { maintenance: false });
  await createComponent({ db: handle.db, clock: new FakeClock(), queue: jobs.queue }, testActor, { name: 'API' });
  await jobs.stop();
  await handle.close();
}, 60_000);

afterAll(() => {
  fs.rmSync(folder, { recursive: true, force: true });
});

describe('herald backup and restore', () => {
  it('backs up the embedded database and restores it into a new DATA_DIR', async () => {
    const backedUp = await herald(pageDir, ['backup', '--out', backup]);
    expect(backedUp.stderr).toBe('');
    expect(backedUp.code).toBe(0);
    expect(backedUp.stdout).toMatch(
      new RegExp(`^Backed up the embedded database in ${pageDir}: \\d+ rows in \\d+ tables \\(schema \\d+\\), .+, to ${backup}\\n$`),
    );
    const restored = await herald(path.join(folder, 'copy'), ['restore', backup]);
    expect(restored.code).toBe(0);
    expect(restored.stdout).toMatch(
      /^Restored \d+ rows in \d+ tables \(schema \d+, backed up \S+\) into the embedded database in .*copy\.\n$/,
    );
  }, 60_000);

  it('refuses a DATA_DIR that already holds a page, in one line, with exit code 1', async () => {
    const refused = await herald(pageDir, ['restore', backup]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/^The target database is not empty \(table component has rows\): .* Nothing was changed\.\n$/);
  }, 60_000);

  it('refuses a DATA_DIR a running Herald holds: stop it first', async () => {
    const holder: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'tests/support/data-dir-holder-process.ts', pageDir], {
      env: childEnvironment({}),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        holder.once('exit', (code) => reject(new Error(`the holder stopped (${String(code)})`)));
        holder.stdout?.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('holding')) resolve();
        });
      });
      const refused = await herald(pageDir, ['restore', backup]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toBe(
        `Herald is running on ${pageDir} (pid ${String(holder.pid)}): stop Herald first, then restore. Nothing was changed.\n`,
      );
    } finally {
      const exited = new Promise((resolve) => holder.once('exit', resolve));
      holder.kill('SIGTERM');
      await exited;
    }
  }, 60_000);

  it('leaves no embedded database behind when a restore into a new DATA_DIR fails', async () => {
    const notBackup = path.join(folder, 'notes.txt');
    fs.writeFileSync(notBackup, 'hello\n');
    const fresh = path.join(folder, 'fresh');
    const refused = await herald(fresh, ['restore', notBackup]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe('notes.txt is not a Herald backup: it is not a gzip file. Nothing was changed.\n');
    expect(fs.existsSync(path.join(fresh, 'pglite'))).toBe(false);
  }, 60_000);

  it('answers bad arguments with the usage and exit code 2', async () => {
    const noFile = await herald(pageDir, ['restore']);
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toBe(
      'restore: give exactly one backup file\nUsage: npm run herald -- restore FILE   (into an empty database: DATABASE_URL, or the embedded one in DATA_DIR)\n',
    );
    const unknown = await herald(pageDir, ['backup', '--to', 'x']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^backup: Unknown option '--to'/);
  }, 60_000);
});
