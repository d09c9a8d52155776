import { wallClockAt, wallClockToUtc } from './time-zone';

/**
 * Until when a public answer stays true with nothing written: what the pages show changes with
 * time alone at a day boundary (the uptime bars' UTC days, "today" in the page's zone), at a
 * minute of a "starts in …" countdown, when a maintenance is due to start or end, and when one
 * enters the announcement horizon. Past the ceiling an answer is rendered again anyway, so the
 * "last updated" stamp never lags by more than that.
 */
export const PUBLIC_FRESHNESS_CEILING_MS = 60_000;

export interface TimedFacts {
  now: Date;
  /** The page's zone, whose midnight starts a new "today". */
  timeZone: string;
  /** Starts shown as "starts in …": the text changes each minute (rounded as startsInLabel does). */
  countdowns?: readonly Date[];
  /** Other moments the answer changes at: maintenance starts and ends, horizon entries. */
  moments?: readonly (Date | null | undefined)[];
}

/** The first moment after `now` at which a public answer built at `now` may be out of date. */
export function publicFreshUntil(facts: TimedFacts): Date {
  const now = facts.now.getTime();
  let until = now + PUBLIC_FRESHNESS_CEILING_MS;
  const consider = (moment: number) => {
    if (moment > now && moment < until) until = moment;
  };
  consider(nextUtcMidnight(now));
  consider(nextMidnightIn(now, facts.timeZone));
  for (const start of facts.countdowns ?? []) consider(nextCountdownChange(start.getTime(), now));
  for (const moment of facts.moments ?? []) if (moment) consider(moment.getTime());
  return new Date(until);
}

function nextUtcMidnight(now: number): number {
  const day = new Date(now);
  return Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate() + 1);
}

function nextMidnightIn(now: number, timeZone: string): number {
  try {
    const wall = wallClockAt(now, timeZone);
    // The next calendar day's midnight; Date.UTC rolls the month and year over.
    const next = new Date(Date.UTC(wall.year, wall.month - 1, wall.day + 1));
    return wallClockToUtc(
      { year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, day: next.getUTCDate(), hour: 0, minute: 0 },
      timeZone,
    ).getTime();
  } catch {
    // An unknown zone cannot have been saved; the UTC boundary still applies.
    return Number.POSITIVE_INFINITY;
  }
}

/**
 * When "starts in N min" next changes: the countdown shows the minutes to the start rounded to
 * the nearest, so N becomes N − 1 just after N − ½ minutes remain (half-way rounds up); at the
 * start itself the text becomes "starting shortly".
 */
function nextCountdownChange(start: number, now: number): number {
  const remaining = start - now;
  if (remaining <= 0) return Number.POSITIVE_INFINITY;
  const minutes = Math.round(remaining / 60_000);
  if (minutes <= 0) return start;
  return start - (minutes - 0.5) * 60_000 + 1;
}
