import { describe, expect, it } from 'vitest';
import {
  componentStatuses,
  componentStatusLabels,
  componentStatusRank,
  impactOfSeverity,
  impacts,
  severities,
  worstComponentStatus,
  type ComponentStatus,
  type Impact,
  type Severity,
} from '../../src/lib/domain/statuses';

describe('component statuses', () => {
  it('every status has a label and a distinct rank', () => {
    const ranks = componentStatuses.map((status) => componentStatusRank[status]);
    expect(new Set(ranks).size).toBe(componentStatuses.length);
    for (const status of componentStatuses) expect(componentStatusLabels[status]).toBeTruthy();
  });

  it('ranks from best to worst: operational < maintenance < degraded < partial < major', () => {
    const byRank = [...componentStatuses].sort((a, b) => componentStatusRank[a] - componentStatusRank[b]);
    expect(byRank).toEqual(['operational', 'under_maintenance', 'degraded_performance', 'partial_outage', 'major_outage']);
  });
});

describe('worstComponentStatus', () => {
  it('an empty list is operational', () => {
    expect(worstComponentStatus([])).toBe('operational');
  });

  it.each(componentStatuses.map((status) => [status]))('a single %s is itself', (status) => {
    expect(worstComponentStatus([status])).toBe(status);
  });

  it.each<[string, ComponentStatus[], ComponentStatus]>([
    ['major outage beats everything', ['operational', 'partial_outage', 'major_outage', 'degraded_performance'], 'major_outage'],
    ['partial outage beats degraded', ['degraded_performance', 'partial_outage'], 'partial_outage'],
    ['degraded beats maintenance', ['under_maintenance', 'degraded_performance'], 'degraded_performance'],
    ['maintenance beats operational', ['operational', 'under_maintenance', 'operational'], 'under_maintenance'],
    ['major outage beats maintenance', ['under_maintenance', 'major_outage'], 'major_outage'],
    ['all operational stays operational', ['operational', 'operational'], 'operational'],
  ])('%s', (_rule, statuses, expected) => {
    expect(worstComponentStatus(statuses)).toBe(expected);
    expect(worstComponentStatus([...statuses].reverse())).toBe(expected);
  });
});

describe('impactOfSeverity', () => {
  it.each<[Severity, Impact]>([
    ['critical', 'critical'],
    ['high', 'major'],
    ['medium', 'minor'],
    ['low', 'none'],
  ])('severity %s maps to public impact %s', (severity, impact) => {
    expect(impactOfSeverity(severity)).toBe(impact);
  });

  it('every severity maps to a known impact, and distinct severities to distinct impacts', () => {
    const mapped = severities.map(impactOfSeverity);
    for (const impact of mapped) expect(impacts).toContain(impact);
    expect(new Set(mapped).size).toBe(severities.length);
  });
});
