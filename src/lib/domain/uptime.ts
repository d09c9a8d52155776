import { componentStatusRank, type ComponentStatus } from './statuses';

/** A span of time during which a component held one status; `end` is null while it still holds. */
export interface StatusInterval {
  status: ComponentStatus;
  start: Date;
  end: Date | null;
}

export interface DayUptime {
  /** The UTC calendar day, `YYYY-MM-DD`. */
  date: string;
  /** Seconds of the day the component existed and that have already passed. */
  observedSeconds: number;
  /** Major outage seconds count fully, partial outage seconds count half. */
  downSeconds: number;
  /** Percentage 0–100, or null when the component did not exist yet (or the day is in the future). */
  uptime: number | null;
  /** The worst status seen that day, operational when nothing happened. */
  worstStatus: ComponentStatus;
}

const DAY_MS = 86_400_000;

/** How much of a second in a status counts as downtime: degraded and maintenance do not count. */
export function downtimeWeight(status: ComponentStatus): number {
  if (status === 'major_outage') return 1;
  if (status === 'partial_outage') return 0.5;
  return 0;
}

function overlapMs(aStart: number, aEnd: number, bStart: number, bEnd: number): number {
  return Math.max(0, Math.min(aEnd, bEnd) - Math.max(aStart, bStart));
}

function utcDayStart(time: Date): number {
  return Date.UTC(time.getUTCFullYear(), time.getUTCMonth(), time.getUTCDate());
}

/**
 * One entry per UTC day for the `days` days ending with today (oldest first). Time before the
 * component existed and time after `now` are not observed, so they count neither up nor down.
 */
export function dailyUptime(options: { intervals: readonly StatusInterval[]; existsSince: Date; now: Date; days: number }): DayUptime[] {
  const { intervals, existsSince, now, days } = options;
  const nowMs = now.getTime();
  const todayStart = utcDayStart(now);
  const result: DayUptime[] = [];

  for (let offset = days - 1; offset >= 0; offset -= 1) {
    const dayStart = todayStart - offset * DAY_MS;
    const observedStart = Math.max(dayStart, existsSince.getTime());
    const observedEnd = Math.min(dayStart + DAY_MS, nowMs);
    const observedMs = Math.max(0, observedEnd - observedStart);

    let downMs = 0;
    let worstStatus: ComponentStatus = 'operational';
    for (const interval of intervals) {
      const start = interval.start.getTime();
      const end = interval.end ? interval.end.getTime() : nowMs;
      const overlap = overlapMs(start, end, observedStart, observedEnd);
      if (overlap <= 0) continue;
      downMs += overlap * downtimeWeight(interval.status);
      if (componentStatusRank[interval.status] > componentStatusRank[worstStatus]) worstStatus = interval.status;
    }

    result.push({
      date: new Date(dayStart).toISOString().slice(0, 10),
      observedSeconds: observedMs / 1000,
      downSeconds: downMs / 1000,
      uptime: observedMs > 0 ? (1 - downMs / observedMs) * 100 : null,
      worstStatus,
    });
  }
  return result;
}

/** The uptime percentage over a run of days, weighting each by how long it was observed. */
export function uptimePercentage(days: readonly DayUptime[]): number | null {
  let observed = 0;
  let down = 0;
  for (const day of days) {
    observed += day.observedSeconds;
    down += day.downSeconds;
  }
  return observed > 0 ? (1 - down / observed) * 100 : null;
}

/** Uptime shown with two decimals, never rounded up to 100 % while there was any downtime. */
export function formatUptime(percentage: number | null): string {
  if (percentage === null) return 'No data';
  // Drop floating-point noise before flooring (66 % arrives as 65.99999999999999), then make sure
  // that noise removal never lifts a value below 100 to 100.00.
  const hundredths = Math.floor(Number((percentage * 100).toPrecision(12)));
  const floored = (percentage < 100 ? Math.min(hundredths, 9_999) : hundredths) / 100;
  return `${floored.toFixed(2)} %`;
}
