import { describe, expect, it } from 'vitest';
import { classifySeverity, severitySignalIds, severitySignals, type SeveritySignalId } from '../../src/lib/domain/severity-classifier';
import { componentStatuses, type ComponentStatus, type Severity } from '../../src/lib/domain/statuses';

/** Every signal of the plan, the severity it points to, and the reason staff read. */
const signalCases: [SeveritySignalId, Severity, string][] = [
  ['availability_below_99', 'critical', 'Critical: API availability under 99 %'],
  ['error_rate_above_1', 'critical', 'Critical: error rate over 1 %'],
  ['response_time_above_2s', 'critical', 'Critical: response time over 2 s'],
  ['database_connections_exhausted', 'critical', 'Critical: database connections exhausted'],
  ['payment_failures', 'critical', 'Critical: payment processing failures'],
  ['security_breach', 'critical', 'Critical: security breach'],
  ['partial_error_rate_above_5', 'high', 'High: error rate over 5 % on a part of the service'],
  ['cpu_above_80', 'medium', 'Medium: CPU over 80 %'],
  ['memory_above_85', 'medium', 'Medium: memory over 85 %'],
  ['disk_above_90', 'medium', 'Medium: disk over 90 %'],
  ['cache_hit_ratio_below_70', 'medium', 'Medium: cache hit ratio under 70 %'],
  ['slow_queries_above_1s', 'medium', 'Medium: slow queries over 1 s'],
  ['failed_logins_above_100_per_hour', 'medium', 'Medium: failed logins over 100 an hour'],
];

/** Every ordering of a short list. */
function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, index) => permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]));
}

describe('classifySeverity: one signal', () => {
  it('covers every signal of the plan in this table', () => {
    expect(signalCases.map(([id]) => id).sort()).toEqual([...severitySignalIds].sort());
    expect(severitySignals).toHaveLength(13);
  });

  it.each(signalCases)('%s → %s', (signal, severity, reason) => {
    expect(classifySeverity([signal], [])).toEqual({ severity, reason });
  });

  it('points each signal to the severity the plan gives its threshold', () => {
    const bySeverity = (severity: Severity) => severitySignals.filter((signal) => signal.severity === severity).map((signal) => signal.id);
    expect(bySeverity('critical')).toEqual([
      'availability_below_99',
      'error_rate_above_1',
      'response_time_above_2s',
      'database_connections_exhausted',
      'payment_failures',
      'security_breach',
    ]);
    expect(bySeverity('high')).toEqual(['partial_error_rate_above_5']);
    expect(bySeverity('low')).toEqual([]);
  });
});

describe('classifySeverity: affected component statuses', () => {
  it.each<[ComponentStatus, Severity, string]>([
    ['major_outage', 'critical', 'Critical: a component in major outage'],
    ['partial_outage', 'high', 'High: a component in partial outage'],
    ['degraded_performance', 'medium', 'Medium: degraded performance'],
  ])('%s → %s', (status, severity, reason) => {
    expect(classifySeverity([], [status])).toEqual({ severity, reason });
  });

  it.each<ComponentStatus>(['under_maintenance', 'operational'])('%s says nothing about severity (Low, no impact)', (status) => {
    expect(classifySeverity([], [status])).toEqual({ severity: 'low', reason: 'Low: no customer-visible impact' });
  });

  it('names a status once however many components are in it', () => {
    expect(classifySeverity([], ['major_outage', 'major_outage', 'major_outage'])).toEqual({
      severity: 'critical',
      reason: 'Critical: a component in major outage',
    });
  });

  it('lets the worst component decide, ignoring maintenance and operational ones', () => {
    expect(classifySeverity([], ['operational', 'under_maintenance', 'degraded_performance', 'partial_outage'])).toEqual({
      severity: 'high',
      reason: 'High: a component in partial outage',
    });
  });
});

describe('classifySeverity: several causes', () => {
  it('names every cause of the top severity and none of the lower ones', () => {
    const suggestion = classifySeverity(
      ['payment_failures', 'cpu_above_80', 'security_breach', 'partial_error_rate_above_5'],
      ['degraded_performance'],
    );
    expect(suggestion).toEqual({ severity: 'critical', reason: 'Critical: payment processing failures, security breach' });
    expect(suggestion.reason).not.toMatch(/CPU|part of the service|degraded/);
  });

  it('ties a signal with a component status of the same severity', () => {
    expect(classifySeverity(['error_rate_above_1'], ['major_outage', 'partial_outage'])).toEqual({
      severity: 'critical',
      reason: 'Critical: error rate over 1 %, a component in major outage',
    });
    expect(classifySeverity(['partial_error_rate_above_5'], ['partial_outage', 'degraded_performance'])).toEqual({
      severity: 'high',
      reason: 'High: error rate over 5 % on a part of the service, a component in partial outage',
    });
  });

  it('names all the Medium signals when nothing worse is ticked', () => {
    expect(classifySeverity(['disk_above_90', 'cpu_above_80', 'memory_above_85'], ['degraded_performance', 'operational'])).toEqual({
      severity: 'medium',
      reason: 'Medium: CPU over 80 %, memory over 85 %, disk over 90 %, degraded performance',
    });
  });

  it('lets a component in major outage outrank Medium signals', () => {
    expect(classifySeverity(['cpu_above_80', 'slow_queries_above_1s'], ['major_outage'])).toEqual({
      severity: 'critical',
      reason: 'Critical: a component in major outage',
    });
  });

  it('names all six Critical signals when every signal is ticked', () => {
    expect(classifySeverity(severitySignalIds, [...componentStatuses])).toEqual({
      severity: 'critical',
      reason:
        'Critical: API availability under 99 %, error rate over 1 %, response time over 2 s, database connections exhausted, ' +
        'payment processing failures, security breach, a component in major outage',
    });
  });

  it('counts a signal ticked twice once', () => {
    expect(classifySeverity(['security_breach', 'security_breach'], [])).toEqual({
      severity: 'critical',
      reason: 'Critical: security breach',
    });
  });
});

describe('classifySeverity: nothing to go on', () => {
  it('suggests Low, no customer-visible impact, with no signals and no components', () => {
    expect(classifySeverity([], [])).toEqual({ severity: 'low', reason: 'Low: no customer-visible impact' });
  });

  it('suggests Low when every affected component is operational or in maintenance', () => {
    expect(classifySeverity([], ['operational', 'under_maintenance', 'operational'])).toEqual({
      severity: 'low',
      reason: 'Low: no customer-visible impact',
    });
  });
});

describe('classifySeverity: order of the input', () => {
  it('gives the same severity and the same reason whatever order the signals come in', () => {
    const signals: SeveritySignalId[] = ['security_breach', 'cpu_above_80', 'availability_below_99', 'partial_error_rate_above_5'];
    const results = permutations(signals).map((order) => classifySeverity(order, []));
    expect(new Set(results.map((result) => JSON.stringify(result))).size).toBe(1);
    expect(results[0]).toEqual({ severity: 'critical', reason: 'Critical: API availability under 99 %, security breach' });
  });

  it('gives the same answer whatever order the component statuses come in', () => {
    const statuses: ComponentStatus[] = ['partial_outage', 'operational', 'major_outage', 'degraded_performance'];
    const results = permutations(statuses).map((order) => classifySeverity(['response_time_above_2s', 'memory_above_85'], order));
    expect(new Set(results.map((result) => JSON.stringify(result))).size).toBe(1);
    expect(results[0]).toEqual({ severity: 'critical', reason: 'Critical: response time over 2 s, a component in major outage' });
  });

  it('gives the same answer for Medium ties in any order', () => {
    const signals: SeveritySignalId[] = ['failed_logins_above_100_per_hour', 'cache_hit_ratio_below_70', 'slow_queries_above_1s'];
    const results = permutations(signals).map((order) => classifySeverity(order, ['degraded_performance']));
    expect(new Set(results.map((result) => JSON.stringify(result))).size).toBe(1);
    expect(results[0]).toEqual({
      severity: 'medium',
      reason: 'Medium: cache hit ratio under 70 %, slow queries over 1 s, failed logins over 100 an hour, degraded performance',
    });
  });

  it('does not change the arrays it is given', () => {
    const signals: SeveritySignalId[] = ['cpu_above_80', 'security_breach'];
    const statuses: ComponentStatus[] = ['major_outage', 'operational'];
    classifySeverity(signals, statuses);
    expect(signals).toEqual(['cpu_above_80', 'security_breach']);
    expect(statuses).toEqual(['major_outage', 'operational']);
  });
});
