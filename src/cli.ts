/**
 * Herald's command line: `npm run herald -- <command>`.
 *
 *   user create --email E --name N --role owner|admin|responder|viewer   (password on standard input)
 *   apikey create --name N --role viewer|responder|admin [--expires-in-days D | --never-expires]   (prints the key once)
 *   apikey list
 *   apikey revoke <id>
 *   setup-token   a new one-time token for /setup, while no account exists
 *   seed demo
 *   worker [--exit-when-idle]   run only the job worker (no web server)
 *   backup [--out FILE], restore FILE   (src/cli/backup-commands.ts)
 *   doctor   checks the configuration, database, migrations, SMTP, DKIM, PUBLIC_URL, disk and backups
 *
 * With the embedded database (no DATABASE_URL), stop the server first: one process at a time
 * may open DATA_DIR.
 */
import { parseArgs } from 'node:util';
import { backupCommand, restoreCommand } from './cli/backup-commands';
import { apiKeyInputOf, apiKeyState } from './forms/api-keys';
import { roleLabels } from './lib/domain/roles';
import { formatUtc } from './lib/domain/time-format';
import { doctorCommand } from './cli/doctor';
import { ConfigError, config } from './lib/server/config';
import { closeProcessDatabase } from './lib/server/db/client';
import { unfinishedJobCount } from './lib/server/jobs/queue';
import { processRuntime, stopProcessRuntime } from './lib/server/runtime';
import { onStopSignals, stoppedLine } from './lib/server/shutdown';
import { runRetention } from './lib/server/services/retention/retention';
import { seedDemo } from './lib/server/seed/demo';
import { createApiKey, DEFAULT_API_KEY_EXPIRY_DAYS, listApiKeys, revokeApiKey } from './lib/server/services/access/api-keys';
import { mintSetupToken } from './lib/server/services/access/setup';
import type { Actor } from './lib/server/services/kernel/context';
import type { ServiceFailure } from './lib/server/services/kernel/errors';
import { createUserWithPassword } from './lib/server/services/access/users';

const cliActor: Actor = { userId: null, label: 'command line' };
const usage = `Usage:
  npm run herald -- user create --email E --name N --role owner|admin|responder|viewer   (reads the password from standard input)
  npm run herald -- apikey create --name N --role viewer|responder|admin [--expires-in-days D | --never-expires]
      prints the new key once on standard output; without either option it expires in ${DEFAULT_API_KEY_EXPIRY_DAYS} days
  npm run herald -- apikey list
  npm run herald -- apikey revoke <id>   (the id as shown by apikey list)
  npm run herald -- setup-token   (a new one-time token for /setup, printed on standard output, while no account exists)
  npm run herald -- seed demo
  npm run herald -- worker [--exit-when-idle]
  npm run herald -- retention run   (deletes expired rows once, as the daily job does, and prints the counts)
  npm run herald -- backup [--out FILE]   (every table into one file; works while the server runs)
  npm run herald -- restore FILE   (into an empty database of either kind; stop the server first)
  npm run herald -- doctor   (one line per check with its fix; exit code 1 when one fails)`;

async function readStandardInput(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('Password (at least 12 characters, not a common one), then Enter: ');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) {
    chunks.push(Buffer.from(chunk as Buffer | string));
    if (process.stdin.isTTY && Buffer.concat(chunks).includes(10)) break;
  }
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** Command-line flags of the service's input fields, for error messages. */
const apiKeyFlags: Record<string, string> = { name: '--name', role: '--role', expiresInDays: '--expires-in-days' };

/** A failure on one line: `--name: message; --role: message`, or the failure's message. */
function failureLine(failure: ServiceFailure, flags: Record<string, string> = {}): string {
  const fields = 'fieldErrors' in failure ? Object.entries(failure.fieldErrors) : [];
  return fields.length > 0 ? fields.map(([field, message]) => `${flags[field] ?? field}: ${message}`).join('; ') : failure.message;
}

/** parseArgs, with a bad option as a one-line message instead of a thrown error. */
function parseCommandArgs<Options extends NonNullable<Parameters<typeof parseArgs>[0]>['options']>(
  args: string[],
  options: Options,
  allowPositionals = false,
) {
  try {
    return { ok: true as const, parsed: parseArgs({ args, options, allowPositionals, strict: true }) };
  } catch (error) {
    return { ok: false as const, message: error instanceof Error ? error.message : String(error) };
  }
}

/** `apikey create|list|revoke`; exit code 2 for bad arguments, with nothing changed. */
async function apiKeyCommand(verb: string | undefined, rest: string[], settings: ReturnType<typeof config>): Promise<number> {
  if (verb === 'create') {
    const args = parseCommandArgs(rest, {
      name: { type: 'string' },
      role: { type: 'string' },
      'expires-in-days': { type: 'string' },
      'never-expires': { type: 'boolean' },
    });
    if (!args.ok) {
      console.error(`apikey create: ${args.message}`);
      return 2;
    }
    const { values } = args.parsed;
    if (values['never-expires'] && values['expires-in-days'] !== undefined) {
      console.error('--never-expires: give either --expires-in-days or --never-expires, not both');
      return 2;
    }
    // Checked before the database is opened, so a typo costs nothing; the service checks again.
    const input = apiKeyInputOf({
      name: values.name ?? '',
      role: values.role ?? '',
      expiresInDays: values['expires-in-days'],
      neverExpires: values['never-expires'] === true,
    });
    if (!input.ok) {
      console.error(failureLine(input.failure, apiKeyFlags));
      return 2;
    }
    const { context } = await processRuntime(settings, { worker: false });
    const result = await createApiKey(context, cliActor, input.value);
    if (!result.ok) {
      console.error(failureLine(result.failure, apiKeyFlags));
      return result.failure.kind === 'invalid' ? 2 : 1;
    }
    const { key, token } = result.value;
    // The key alone on standard output, so that `$(npm run -s herald -- apikey create …)` captures it.
    process.stdout.write(`${token}\n`);
    const expiresText = key.expiresAt ? `expires at ${formatUtc(key.expiresAt)}` : 'never expires';
    console.error(
      `Created the ${roleLabels[key.role]} key "${key.name}" (id ${key.id}, ${expiresText}). Copy the key now: it will not be shown again.`,
    );
    return 0;
  }
  if (verb === 'list') {
    const args = parseCommandArgs(rest, {});
    if (!args.ok) {
      console.error(`apikey list: ${args.message}`);
      return 2;
    }
    const { context } = await processRuntime(settings, { worker: false });
    const keys = await listApiKeys(context);
    if (keys.length === 0) {
      console.log('No API keys.');
      return 0;
    }
    const now = context.clock.now();
    const header = ['ID', 'NAME', 'ROLE', 'STATE', 'LAST USED', 'EXPIRES'];
    const rows = [
      header,
      ...keys.map((key) => [
        key.id,
        key.name,
        key.role,
        apiKeyState(key, now).toLowerCase(),
        key.lastUsedAt ? formatUtc(key.lastUsedAt) : 'never',
        key.expiresAt ? formatUtc(key.expiresAt) : 'never',
      ]),
    ];
    // Every row has the header's columns.
    const widths = header.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0)));
    for (const row of rows)
      console.log(row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('  '));
    return 0;
  }
  if (verb === 'revoke') {
    const args = parseCommandArgs(rest, {}, true);
    const id = args.ok && args.parsed.positionals.length === 1 ? args.parsed.positionals[0] : undefined;
    if (!args.ok || id === undefined) {
      console.error(`apikey revoke: ${args.ok ? 'give exactly one key id (see apikey list)' : args.message}`);
      return 2;
    }
    const { context } = await processRuntime(settings, { worker: false });
    const result = await revokeApiKey(context, cliActor, id);
    if (!result.ok) {
      console.error(failureLine(result.failure));
      return 1;
    }
    console.log(`Revoked the ${roleLabels[result.value.role]} key "${result.value.name}" (id ${result.value.id}).`);
    return 0;
  }
  console.error(usage);
  return 2;
}

async function run(args: string[]): Promise<number> {
  const [area, verb, ...rest] = args;
  // Before config(): a configuration that does not parse is one of the doctor's findings.
  if (area === 'doctor' && verb === undefined) return doctorCommand(process.env);
  const settings = config();
  if (area === 'user' && verb === 'create') {
    const { values } = parseArgs({
      args: rest,
      options: { email: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' } },
    });
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
  if (area === 'apikey') return apiKeyCommand(verb, rest, settings);
  if (area === 'backup') return backupCommand(args.slice(1), settings);
  if (area === 'restore') return restoreCommand(args.slice(1), settings);
  if (area === 'setup-token' && verb === undefined) {
    const { context } = await processRuntime(settings, { worker: false });
    const result = await mintSetupToken(context, settings.setupToken);
    if (!result.ok) {
      console.error(result.failure.message);
      return 1;
    }
    // The token alone on standard output; any earlier one no longer works.
    process.stdout.write(`${result.value}\n`);
    console.error(
      `Open ${settings.publicUrl}/setup and enter this setup token. It replaces any earlier one and works until the owner is created.`,
    );
    return 0;
  }
  if (area === 'seed' && verb === 'demo') {
    const { context } = await processRuntime(settings, { worker: false });
    const outcome = await seedDemo(context, cliActor);
    console.log(
      `Loaded the demo page: ${outcome.components} components, ${outcome.incidents} incidents, ${outcome.maintenances} maintenances.`,
    );
    return 0;
  }
  if (area === 'retention' && verb === 'run') {
    const { context } = await processRuntime(settings, { worker: false });
    const counts = await runRetention(context);
    for (const [family, removed] of Object.entries(counts)) console.log(`${family}: ${String(removed)} removed`);
    return 0;
  }
  if (area === 'worker') {
    const { values } = parseArgs({
      args: [verb, ...rest].filter((item): item is string => item !== undefined),
      options: { 'exit-when-idle': { type: 'boolean' } },
    });
    const runtime = await processRuntime(settings, { worker: true });
    console.log(`Job worker running; mail goes to ${runtime.mailer.describe()}.`);
    if (!values['exit-when-idle']) {
      // The jobs in hand finish or hand back their unsent part; a second signal stops at once.
      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        onStopSignals((received) => {
          resolve(received);
          return Promise.resolve();
        });
      });
      console.log(`${signal}: stopping the job worker.`);
      console.log(stoppedLine({ jobs: await stopProcessRuntime() }));
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
