/**
 * Herald's command line: `npm run herald -- <command>`.
 *
 *   user create --email E --name N --role owner|admin|responder|viewer   (password on standard input)
 *   seed demo
 *   worker [--exit-when-idle]   run only the job worker (no web server)
 *
 * With the embedded database (no DATABASE_URL), stop the server first: one process at a time
 * may open DATA_DIR.
 */
import { parseArgs } from 'node:util';
import { ConfigError, config } from './lib/server/config';
import { closeProcessDatabase } from './lib/server/db/client';
import { unfinishedJobCount } from './lib/server/jobs/queue';
import { processRuntime, stopProcessRuntime } from './lib/server/runtime';
import { seedDemo } from './lib/server/seed/demo';
import type { Actor } from './lib/server/services/context';
import { createUserWithPassword } from './lib/server/services/users';

const cliActor: Actor = { userId: null, label: 'command line' };
const usage = `Usage:
  npm run herald -- user create --email E --name N --role owner|admin|responder|viewer   (reads the password from standard input)
  npm run herald -- seed demo
  npm run herald -- worker [--exit-when-idle]`;

async function readStandardInput(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('Password (at least 10 characters), then Enter: ');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) {
    chunks.push(Buffer.from(chunk));
    if (process.stdin.isTTY && Buffer.concat(chunks).includes(10)) break;
  }
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

async function run(args: string[]): Promise<number> {
  const [area, verb, ...rest] = args;
  const settings = config();
  if (area === 'user' && verb === 'create') {
    const { values } = parseArgs({ args: rest, options: { email: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' } } });
    const password = await readStandardInput();
    const { context } = await processRuntime(settings, { worker: false });
    const result = await createUserWithPassword(context, cliActor, {
      email: values.email ?? '',
      name: values.name ?? '',
      role: (values.role ?? '') as never,
      password,
    });
    if (!result.ok) {
      const fields = 'fieldErrors' in result.failure ? Object.entries(result.failure.fieldErrors) : [];
      console.error(fields.length > 0 ? fields.map(([field, message]) => `--${field}: ${message}`).join('\n') : result.failure.message);
      return 1;
    }
    console.log(`Created ${result.value.role} ${result.value.email}.`);
    return 0;
  }
  if (area === 'seed' && verb === 'demo') {
    const { context } = await processRuntime(settings, { worker: false });
    const outcome = await seedDemo(context, cliActor);
    console.log(`Loaded the demo page: ${outcome.components} components, ${outcome.incidents} incidents, ${outcome.maintenances} maintenances.`);
    return 0;
  }
  if (area === 'worker') {
    const { values } = parseArgs({ args: [verb, ...rest].filter((item): item is string => item !== undefined), options: { 'exit-when-idle': { type: 'boolean' } } });
    const runtime = await processRuntime(settings, { worker: true });
    console.log(`Job worker running; mail goes to ${runtime.mailer.describe()}.`);
    if (!values['exit-when-idle']) {
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      return 0;
    }
    // Returns once nothing is due: no job running, retrying, or waiting past its start time.
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      if ((await unfinishedJobCount(runtime.handle.executor)) === 0) return 0;
    }
  }
  console.error(usage);
  return 2;
}

try {
  const code = await run(process.argv.slice(2));
  await stopProcessRuntime();
  await closeProcessDatabase();
  process.exit(code);
} catch (error) {
  console.error(error instanceof ConfigError || error instanceof Error ? error.message : String(error));
  process.exit(1);
}
