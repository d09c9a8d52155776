import { ConfigError, parseConfig, type Config } from '../config';
import type { DoctorCheck } from './check';

/** The environment parsed as the server parses it; a bad variable is the one line the server would stop with. */
export function checkConfiguration(environment: Record<string, string | undefined>): { check: DoctorCheck; settings?: Config } {
  try {
    const settings = parseConfig(environment);
    const database = settings.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `the embedded database in ${settings.dataDirAsGiven}`;
    return { check: { name: 'configuration', status: 'ok', line: `the environment parses; ${database}` }, settings };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return {
      check: {
        name: 'configuration',
        status: 'fail',
        line: error.message,
        fix: 'correct that variable; the other checks need a valid configuration',
      },
    };
  }
}
