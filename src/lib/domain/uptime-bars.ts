/**
 * The public page's uptime bar, drawn as one SVG per component: day i of n is a bar at
 * x = DAY_WIDTH · i in a viewBox n · DAY_WIDTH wide and 1 high, and all the days of one tone form
 * a single path, so a component costs a handful of nodes however many days it shows.
 *
 * The SVG is stretched wider than the window it sits in and aligned right, so that phones see
 * the last 30 days, medium screens 60 and wide ones 90 (UPTIME_WINDOWS): the component sets how
 * much wider per window (`barStyle`), the CSS which window applies at which width.
 */
import { componentStatusLabels } from './statuses';
import { toneOfComponentStatus, type Tone } from './tones';
import { formatUptime, uptimePercentage, type DayUptime } from './uptime';

/** How many of the latest days the bar shows on phones, on medium screens and on wide ones. */
export const UPTIME_WINDOWS = { narrow: 30, medium: 60, wide: 90 } as const;
export type UptimeWindow = keyof typeof UPTIME_WINDOWS;

/** A day's colour: the tone of its worst status, or none before the component existed. */
export type DayTone = Tone | 'none';

/** What the bar needs of a day. */
export type BarDay = Pick<DayUptime, 'date' | 'uptime' | 'worstStatus'>;

/** The width of one day in the viewBox; its bar takes BAR_WIDTH of it, the rest is the gap. */
export const DAY_WIDTH = 10;
const BAR_WIDTH = 8;
const DAY_MS = 86_400_000;

/** The order the tone paths are drawn in (they never overlap; this only keeps the markup stable). */
const toneOrder: readonly DayTone[] = ['none', 'ok', 'maintenance', 'degraded', 'partial', 'major'];

export function dayTone(day: BarDay): DayTone {
  return day.uptime === null ? 'none' : toneOfComponentStatus(day.worstStatus);
}

/** A day with something to tell: an incident or maintenance touched it. */
export function isEventful(day: BarDay): boolean {
  return day.uptime !== null && day.worstStatus !== 'operational';
}

/** The day in words: `2026-03-01: 99.95 %, major outage`, `2026-03-02: 100.00 %`, `… : no data`. */
export function describeDay(day: BarDay): string {
  if (day.uptime === null) return `${day.date}: no data`;
  const worst = day.worstStatus === 'operational' ? '' : `, ${componentStatusLabels[day.worstStatus].toLowerCase()}`;
  return `${day.date}: ${formatUptime(day.uptime)}${worst}`;
}

/** One path per tone present, each the bars of all its days (`M<x> 0h8v1h-8z` per day). */
export function tonePaths(days: readonly BarDay[]): { tone: DayTone; d: string }[] {
  const parts = new Map<DayTone, string[]>();
  days.forEach((day, index) => {
    const tone = dayTone(day);
    const list = parts.get(tone) ?? [];
    list.push(`M${index * DAY_WIDTH} 0h${BAR_WIDTH}v1h-${BAR_WIDTH}z`);
    parts.set(tone, list);
  });
  return toneOrder.flatMap((tone) => {
    const list = parts.get(tone);
    return list ? [{ tone, d: list.join('') }] : [];
  });
}

export interface BarWindow {
  window: UptimeWindow;
  /** How many days this window shows (fewer than UPTIME_WINDOWS says when there are fewer). */
  days: number;
  /** The uptime over the days shown, formatted. */
  uptime: string;
  /** How many times wider than its window the SVG is drawn, so that the window shows `days`. */
  scale: number;
}

/** What each window shows: its days, their uptime, and the SVG's stretch. */
export function barWindows(days: readonly DayUptime[]): BarWindow[] {
  const total = Math.max(days.length, 1);
  return (Object.keys(UPTIME_WINDOWS) as UptimeWindow[]).map((window) => {
    const shown = Math.max(Math.min(UPTIME_WINDOWS[window], days.length), 1);
    return {
      window,
      days: shown,
      uptime: formatUptime(uptimePercentage(days.slice(-shown))),
      scale: Number((total / shown).toFixed(4)),
    };
  });
}

/** The SVG's inline custom properties: `--narrow:3;--medium:1.5;--wide:1` (read by the CSS). */
export function barStyle(windows: readonly BarWindow[]): string {
  return windows.map(({ window, scale }) => `--${window}:${scale}`).join(';');
}

/** The bar's accessible name: the component, its uptime and how many days had something to tell. */
export function barSummary(componentName: string, days: readonly BarDay[], uptime: number | null): string {
  const eventful = days.filter(isEventful).length;
  const period = `over the last ${days.length} days`;
  const figure = uptime === null ? `no uptime data ${period}` : `${formatUptime(uptime)} uptime ${period}`;
  const told =
    eventful === 0
      ? 'no days with incidents or maintenance'
      : `${eventful} ${eventful === 1 ? 'day' : 'days'} with incidents or maintenance`;
  return `${componentName}: ${figure}, ${told}`;
}

/**
 * The days as one character each, for the pointer's tooltip (uptime-tooltip.ts): `-` no data,
 * `.` a quiet day (operational throughout, so 100 %), `!` an eventful day, described in the
 * bar's list of eventful days.
 */
export function dayCodes(days: readonly BarDay[]): string {
  return days.map((day) => (day.uptime === null ? '-' : isEventful(day) ? '!' : '.')).join('');
}

/**
 * Day `index` of a bar whose first day is `firstDate` and whose days are `codes`: its date, and
 * its description unless it is eventful (then the bar's list has it), or null when out of range.
 */
export function codedDay(firstDate: string, codes: string, index: number): { date: string; text: string | null } | null {
  const first = Date.parse(`${firstDate}T00:00:00Z`);
  const code = codes.charAt(index);
  if (Number.isNaN(first) || index < 0 || code === '') return null;
  const date = new Date(first + index * DAY_MS).toISOString().slice(0, 10);
  if (code === '!') return { date, text: null };
  return { date, text: describeDay({ date, uptime: code === '-' ? null : 100, worstStatus: 'operational' }) };
}
