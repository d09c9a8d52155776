import type { DoctorCheck } from '../lib/server/doctor/check';
import { runDoctor } from '../lib/server/doctor/run-doctor';

const labels: Record<DoctorCheck['status'], string> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' };

/** One check as one line: `warn smtp: … - the fix`. */
function lineOf(check: DoctorCheck): string {
  const line = check.fix ? `${check.line.replace(/\.$/, '')} - ${check.fix}` : check.line;
  return `${labels[check.status]} ${check.name}: ${line}`;
}

/** `npm run herald -- doctor`: one line per check on standard output; exit code 1 when any check fails. */
export async function doctorCommand(environment: Record<string, string | undefined>): Promise<number> {
  const checks = await runDoctor(environment);
  for (const check of checks) console.log(lineOf(check));
  return checks.some((check) => check.status === 'fail') ? 1 : 0;
}
