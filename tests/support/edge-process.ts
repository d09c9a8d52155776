/**
 * One Herald-like process for tests/integration/public-edge-processes.test.ts: the public edge
 * in front of a tiny site that reads one row of PostgreSQL, and writes it on POST, announcing
 * the change as Herald's middleware does. It prints its port and serves until killed.
 *
 *   tsx tests/support/edge-process.ts <database url> <table name>
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { pino } from 'pino';
import { openPostgres, rowsOf } from '../../src/lib/server/db/client';
import { createPublicEdge } from '../../src/lib/server/edge/public-edge';
import { announcePublicChange, invalidatePublicReads, PUBLIC_CHANGES_CHANNEL } from '../../src/lib/server/public-cache';

const [databaseUrl, table] = process.argv.slice(2);
if (!databaseUrl || !table || !/^[a-z][a-z0-9_]*$/.test(table)) {
  console.error('usage: edge-process.ts <database url> <table name>');
  process.exit(2);
}
const handle = openPostgres(databaseUrl, { max: 2 });
await handle.listen(PUBLIC_CHANGES_CHANNEL, invalidatePublicReads);
const tableName = sql.identifier(table);

const site: http.RequestListener = (req, res) => {
  void (async () => {
    if (req.method === 'POST') {
      const value = new URL(req.url ?? '/', 'http://x').searchParams.get('value') ?? '';
      await handle.db.execute(sql`update ${tableName} set value = ${value}`);
      await announcePublicChange(handle.db);
      res.writeHead(204);
      res.end();
      return;
    }
    const [row] = rowsOf(await handle.db.execute(sql`select value from ${tableName}`));
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'public, max-age=0' });
    res.end(`value: ${typeof row?.value === 'string' ? row.value : 'none'}`);
  })();
};

const edge = await createPublicEdge({
  site,
  clientDirectory: path.join(os.tmpdir(), 'herald-no-client-files'),
  dataDirectory: fs.mkdtempSync(path.join(os.tmpdir(), 'herald-edge-process-')),
  publicHost: 'status.example.com',
  log: pino({ level: 'silent' }),
});
const server = http.createServer(edge.listener);
server.listen(0, '127.0.0.1', () => {
  console.log(`port ${(server.address() as AddressInfo).port}`);
});
process.once('SIGTERM', () => {
  server.close();
  void handle.close().then(() => process.exit(0));
});
