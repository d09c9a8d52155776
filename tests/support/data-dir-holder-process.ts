/**
 * A process that holds a data directory as Herald does, for tests/integration/data-dir-lock.test.ts:
 * it opens the embedded database through the process's own opener (which takes DATA_DIR's lock),
 * prints `holding`, and keeps it open until SIGTERM, when it closes it and exits.
 *
 *   node --import tsx tests/support/data-dir-holder-process.ts <data dir>
 */
import { closeProcessDatabase, processDatabase } from '../../src/lib/server/db/client';

const [dataDir] = process.argv.slice(2);
if (!dataDir) {
  console.error('usage: data-dir-holder-process.ts <data dir>');
  process.exit(2);
}
await processDatabase({ databaseUrl: undefined, dataDir });
console.log('holding');
process.once('SIGTERM', () => {
  void closeProcessDatabase().then(() => process.exit(0));
});
setInterval(() => {}, 60_000);
