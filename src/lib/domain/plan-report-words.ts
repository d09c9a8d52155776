import { formatDuration, formatPlainDuration } from './duration';
import type { PlanMeasure, PlanMeasureKey } from './plan-report';

/** How the plan report's measures read to staff: what was asked, what happened, and how it went. */

const askedBy: Record<PlanMeasureKey, (limit: string) => string> = {
  teamAlert: (limit) => `within ${limit} of the declaration`,
  firstPost: (limit) => `within ${limit} of the start`,
  customerEmail: (limit) => `at most ${limit} after it is due`,
  updateGap: (limit) => `no gap over ${limit}`,
  postmortem: (limit) => `within ${limit} of the resolution`,
  actionItems: () => 'every item closed by its due date',
};

export function measureAskedText(measure: PlanMeasure): string {
  if (!measure.applies && measure.key !== 'actionItems') return '—';
  return askedBy[measure.key](measure.limitMs === null ? '' : formatPlainDuration(measure.limitMs));
}

export function measureHappenedText(measure: PlanMeasure & { closed?: number; total?: number }): string {
  if (measure.key === 'actionItems') {
    if (!measure.total) return 'No action items';
    return [`${measure.closed} of ${measure.total} closed`, measure.note].filter(Boolean).join(', ');
  }
  const value = measure.valueMs === null ? null : formatDuration(measure.valueMs);
  return [value, measure.note].filter(Boolean).join(', ') || 'Not measured';
}

export type MeasureVerdict = 'kept' | 'missed' | 'open' | 'not_asked';

export const measureVerdictLabels: Record<MeasureVerdict, string> = {
  kept: 'Kept',
  missed: 'Missed',
  open: 'Not yet',
  not_asked: 'Not asked',
};

export function measureVerdict(measure: PlanMeasure): MeasureVerdict {
  if (measure.missed) return 'missed';
  if (!measure.applies) return 'not_asked';
  return measure.valueMs === null && measure.key !== 'actionItems' ? 'open' : 'kept';
}
