import type { Server } from 'node:http';
import postgres from 'postgres';

/**
 * What scripts/server.ts checks before it starts the runtime, each failure as one line that names
 * the problem: the port, and whether PostgreSQL answers.
 */

export class StartupError extends Error {
  override name = 'StartupError';
}

/** Starts listening; a port that is taken, or not ours to take, rejects with a StartupError naming PORT or HOST. */
export function listenOn(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => {
      server.off('listening', listening);
      const where = `${host}:${port}`;
      const lines: Record<string, string> = {
        EADDRINUSE: `Port ${port} on ${host} is already in use (another Herald, or another program): stop it, or set PORT to a free port.`,
        EACCES: `Port ${port} on ${host} may not be opened by this user: set PORT to a port above 1023.`,
        EADDRNOTAVAIL: `HOST ${host} is not an address of this machine: set HOST to one of its addresses, or 0.0.0.0.`,
        ENOTFOUND: `HOST ${host} does not resolve to an address of this machine: set HOST to one of its addresses, or 0.0.0.0.`,
      };
      reject(new StartupError(lines[error.code ?? ''] ?? `Herald cannot listen on ${where}: ${error.message}`));
    };
    const listening = () => {
      server.off('error', failed);
      resolve();
    };
    server.once('error', failed);
    server.once('listening', listening);
    server.listen(port, host);
  });
}

/** PostgreSQL's answers that do not pass by themselves: the URL is wrong, not the server away. */
const PERMANENT_CODES: Record<string, string> = {
  '28P01': 'the password was refused',
  '28000': 'the user may not connect',
  '3D000': 'the database does not exist',
  '42501': 'the user may not connect to that database',
};

export type PostgresProbe = { ok: true } | { ok: false; permanent: boolean; line: string };

/** `host:port` of a DATABASE_URL, for messages (never its user or password). */
export function databaseHostOf(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname || 'localhost'}:${parsed.port || '5432'}`;
  } catch {
    return 'the server in DATABASE_URL';
  }
}

/**
 * Asks PostgreSQL once, with a short deadline. A wrong password or database is permanent (start-up
 * stops); a server that does not answer is not (the public pages are served from what was kept
 * while Herald tries again), and either way the caller has one line naming DATABASE_URL's host.
 */
export async function probePostgres(url: string, timeoutSeconds = 3): Promise<PostgresProbe> {
  const client = postgres(url, { max: 1, connect_timeout: timeoutSeconds, onnotice: () => {} });
  const host = databaseHostOf(url);
  try {
    await client`select 1`;
    return { ok: true };
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    const permanent = PERMANENT_CODES[code];
    if (permanent) return { ok: false, permanent: true, line: `DATABASE_URL: PostgreSQL at ${host} answered, but ${permanent} (${code}).` };
    const why = code || (error instanceof Error ? error.message : String(error));
    return {
      ok: false,
      permanent: false,
      line: `DATABASE_URL: PostgreSQL at ${host} does not answer (${why}): serving the public pages kept in DATA_DIR, and trying again every few seconds.`,
    };
  } finally {
    await client.end({ timeout: 1 }).catch(() => {});
  }
}
