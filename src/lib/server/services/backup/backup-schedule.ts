import { CronExpressionParser } from 'cron-parser';

/** Daily at 03:17 UTC, the default of BACKUP_SCHEDULE. */
export const DEFAULT_BACKUP_SCHEDULE = '17 3 * * *';

/** A backup older than the schedule's gap and this much more is overdue (26 hours on a daily schedule). */
const GRACE_MS = 2 * 60 * 60 * 1000;

const parse = (schedule: string, at: Date) => CronExpressionParser.parse(schedule, { tz: 'UTC', currentDate: at });

/** Whether `text` is a five-field cron expression pg-boss can run (minute hour day month weekday). */
export function isBackupSchedule(text: string): boolean {
  if (text.split(/\s+/).length !== 5) return false;
  try {
    parse(text, new Date());
    return true;
  } catch {
    return false;
  }
}

/** How old the newest verified backup may be at `now` before it is overdue: the schedule's last gap and two hours. */
export function backupOverdueAfterMs(schedule: string, now: Date): number {
  const runs = parse(schedule, now);
  const last = runs.prev().getTime();
  const before = runs.prev().getTime();
  return last - before + GRACE_MS;
}

/** The schedule's next run after `now`. */
export function nextScheduledBackup(schedule: string, now: Date): Date {
  return parse(schedule, now).next().toDate();
}
