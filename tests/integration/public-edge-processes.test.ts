/**
 * Two Herald processes on one PostgreSQL, each with its own public edge: a write in one is seen
 * by the other on its next load, through NOTIFY, long before the edge's 60-second ceiling.
 * Needs a PostgreSQL server (TEST_DATABASE_URL, as CI runs it); PGlite cannot be shared by processes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../support/wait';

const databaseUrl = process.env.TEST_DATABASE_URL;
const table = `edge_probe_${process.pid}`;
const children: ChildProcess[] = [];

function startProcess(url: string): Promise<string> {
  const child = spawn(path.resolve('node_modules/.bin/tsx'), ['tests/support/edge-process.ts', url, table], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the edge process stopped (${code})`)));
    child.stdout.on('data', (chunk: Buffer) => {
      const port = /port (\d+)/.exec(chunk.toString())?.[1];
      if (port) resolve(`http://127.0.0.1:${port}`);
    });
  });
}

const read = async (base: string) => (await fetch(`${base}/`)).text();

describe.skipIf(!databaseUrl)('two processes on one PostgreSQL', () => {
  const admin = databaseUrl ? postgres(databaseUrl, { max: 1, onnotice: () => {} }) : undefined;
  let first: string;
  let second: string;

  beforeAll(async () => {
    await admin!.unsafe(`create table ${table} (value text)`);
    await admin!.unsafe(`insert into ${table} values ('before')`);
    [first, second] = await Promise.all([startProcess(databaseUrl!), startProcess(databaseUrl!)]);
  }, 60_000);

  afterAll(async () => {
    for (const child of children) child.kill('SIGTERM');
    await admin?.unsafe(`drop table if exists ${table}`);
    await admin?.end();
  });

  it("see each other's writes on the next load", async () => {
    expect(await read(first)).toBe('value: before');
    expect(await read(second)).toBe('value: before');

    await fetch(`${first}/?value=after`, { method: 'POST' });
    // The writer sees its change at once; the other within moments, by NOTIFY.
    expect(await read(first)).toBe('value: after');
    await waitUntil('the other process to see the write', async () => (await read(second)) === 'value: after', { timeoutMs: 10_000 });

    await fetch(`${second}/?value=again`, { method: 'POST' });
    await waitUntil('the first process to see the write', async () => (await read(first)) === 'value: again', { timeoutMs: 10_000 });
  });
});
