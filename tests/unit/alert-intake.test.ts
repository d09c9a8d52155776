import { describe, expect, it } from 'vitest';
import { alertSignals, assessAlert, componentStatusForSeverity, severityFromLabel } from '../../src/lib/domain/alert-assessment';
import {
  alertmanagerPayloadSchema,
  grafanaPayloadSchema,
  GROUP_KEY_MAX,
  labelFingerprint,
  normaliseAlertPayload,
  peekGroup,
  storedGroupKey,
} from '../../src/lib/domain/alert-intake';
import { parseMetricValue, type ThresholdMetric } from '../../src/lib/domain/alert-thresholds';
import { classifySeverity } from '../../src/lib/domain/severity-classifier';
import { alertmanagerPayload, grafanaPayload, literalAlertmanagerFiring } from '../support/alert-payloads';

const issuePaths = (result: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }) =>
  (result.error?.issues ?? []).map((issue) => issue.path.map(String).join('.'));

describe('payload schemas', () => {
  it('accepts a literal Alertmanager payload and normalises it', () => {
    const parsed = alertmanagerPayloadSchema.parse(literalAlertmanagerFiring);
    const group = normaliseAlertPayload('alertmanager', parsed);
    expect(group).toMatchObject({
      source: 'alertmanager',
      groupKey: '{}/{severity="critical"}:{alertname="HighErrorRate"}',
      status: 'firing',
      commonLabels: { alertname: 'HighErrorRate', component: 'Search' },
    });
    expect(group.alerts).toHaveLength(1);
    expect(group.alerts[0]).toMatchObject({
      index: 0,
      fingerprint: '4c2f1a9be0d7c3e8',
      status: 'firing',
      labels: { alertname: 'HighErrorRate', severity: 'critical' },
      annotations: { error_rate: '12.4%' },
      links: { generatorURL: expect.stringContaining('prometheus.internal.example') },
    });
    // Nanoseconds are read to the millisecond.
    expect(group.alerts[0]!.startsAt.toISOString()).toBe('2026-03-01T11:58:30.123Z');
    expect(group.alerts[0]!.values).toBeUndefined();
  });

  it('accepts a Grafana payload with its own fields, and keeps the values', () => {
    const payload = grafanaPayload({ alerts: [{ labels: { alertname: 'Latency', grafana_folder: 'API' }, values: { B: 2.7, C: 1 } }] });
    const group = normaliseAlertPayload('grafana', grafanaPayloadSchema.parse(payload));
    expect(group.source).toBe('grafana');
    expect(group.alerts[0]!.values).toEqual({ B: 2.7, C: 1 });
    expect(Object.keys(group.alerts[0]!.links).sort()).toEqual(['dashboardURL', 'generatorURL', 'panelURL', 'silenceURL']);
    expect(group.alerts[0]!.startsAt.toISOString()).toBe('2026-03-01T11:58:00.000Z');
  });

  it('accepts Grafana alerts whose values are null', () => {
    const payload = grafanaPayload({ alerts: [{ labels: { alertname: 'NoData' }, values: null }] });
    const group = normaliseAlertPayload('grafana', grafanaPayloadSchema.parse(payload));
    expect(group.alerts[0]!.values).toBeUndefined();
  });

  it('allows unknown extra fields', () => {
    const payload = {
      ...literalAlertmanagerFiring,
      somethingNew: { nested: true },
      alerts: [{ ...literalAlertmanagerFiring.alerts[0], extra: 1 }],
    };
    expect(alertmanagerPayloadSchema.safeParse(payload).success).toBe(true);
  });

  it('names the path of each missing or wrong required field', () => {
    const { groupKey: _groupKey, ...withoutKey } = literalAlertmanagerFiring;
    expect(issuePaths(alertmanagerPayloadSchema.safeParse(withoutKey))).toEqual(['groupKey']);

    const { labels: _labels, ...alertWithoutLabels } = literalAlertmanagerFiring.alerts[0]!;
    const result = alertmanagerPayloadSchema.safeParse({ ...literalAlertmanagerFiring, alerts: [alertWithoutLabels] });
    expect(issuePaths(result)).toEqual(['alerts.0.labels']);
    expect(result.error!.issues[0]!.message).toBe('Required.');

    expect(issuePaths(alertmanagerPayloadSchema.safeParse({ ...literalAlertmanagerFiring, status: 'pending' }))).toEqual(['status']);
    expect(
      issuePaths(
        alertmanagerPayloadSchema.safeParse({
          ...literalAlertmanagerFiring,
          alerts: [{ ...literalAlertmanagerFiring.alerts[0], startsAt: 'yesterday' }],
        }),
      ),
    ).toEqual(['alerts.0.startsAt']);
    expect(
      issuePaths(
        alertmanagerPayloadSchema.safeParse({
          ...literalAlertmanagerFiring,
          alerts: [{ ...literalAlertmanagerFiring.alerts[0], labels: { severity: 3 } }],
        }),
      ),
    ).toEqual(['alerts.0.labels.severity']);
    expect(issuePaths(alertmanagerPayloadSchema.safeParse({ ...literalAlertmanagerFiring, alerts: [] }))).toEqual(['alerts']);
    expect(
      issuePaths(
        grafanaPayloadSchema.safeParse({
          ...grafanaPayload({ alerts: [{ labels: { a: 'b' }, values: { B: 1 } }] }),
          alerts: [{ status: 'firing' }],
        }),
      ),
    ).toEqual(['alerts.0.labels', 'alerts.0.startsAt']);
  });
});

describe('a payload that failed validation', () => {
  it('still names its group and status for the log when it can', () => {
    expect(peekGroup({ groupKey: '{}:{alertname="X"}', status: 'firing', alerts: 'nonsense' })).toEqual({
      groupKey: '{}:{alertname="X"}',
      status: 'firing',
    });
    expect(peekGroup({ groupKey: '', status: 'pending' })).toEqual({ groupKey: null, status: null });
    expect(peekGroup('not an object')).toEqual({ groupKey: null, status: null });
    expect(peekGroup({ groupKey: 'k'.repeat(GROUP_KEY_MAX + 5) }).groupKey).toHaveLength(GROUP_KEY_MAX);
  });
});

describe('fingerprints', () => {
  it('falls back to a stable hash of the sorted labels', () => {
    const payload = alertmanagerPayload({ alerts: [{ labels: { job: 'api', alertname: 'Down' }, fingerprint: null }] });
    const group = normaliseAlertPayload('alertmanager', alertmanagerPayloadSchema.parse(payload));
    expect(group.alerts[0]!.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(group.alerts[0]!.fingerprint).toBe(labelFingerprint({ alertname: 'Down', job: 'api' }));
    expect(labelFingerprint({ a: '1', b: '2' })).toBe(labelFingerprint({ b: '2', a: '1' }));
    expect(labelFingerprint({ a: '1', b: '2' })).not.toBe(labelFingerprint({ a: '1', b: '3' }));
    // The separator keeps "ab"+"c" apart from "a"+"bc".
    expect(labelFingerprint({ ab: 'c' })).not.toBe(labelFingerprint({ a: 'bc' }));
    expect(labelFingerprint({})).toBe('cbf29ce484222325');
  });

  it('shortens a very long group key to a stable one that fits the link index', () => {
    const long = `{}:{${Array.from({ length: 80 }, (_, index) => `label${index}="value-${index}"`).join(', ')}}`;
    const group = normaliseAlertPayload('alertmanager', alertmanagerPayloadSchema.parse({ ...literalAlertmanagerFiring, groupKey: long }));
    expect(group.groupKey.length).toBeLessThanOrEqual(GROUP_KEY_MAX);
    expect(group.groupKey).toBe(storedGroupKey(long));
    expect(storedGroupKey(`${long}x`)).not.toBe(group.groupKey);
    expect(storedGroupKey(literalAlertmanagerFiring.groupKey)).toBe(literalAlertmanagerFiring.groupKey);
  });

  it('uses a blank fingerprint as missing', () => {
    const payload = alertmanagerPayload({ alerts: [{ labels: { alertname: 'Down' }, fingerprint: '  ' }] });
    const group = normaliseAlertPayload('alertmanager', alertmanagerPayloadSchema.parse(payload));
    expect(group.alerts[0]!.fingerprint).toBe(labelFingerprint({ alertname: 'Down' }));
  });
});

describe('measurements', () => {
  const cases: [ThresholdMetric, string, number | null][] = [
    ['error_rate', '12', 12],
    ['error_rate', '12%', 12],
    ['availability', '97.5 %', 97.5],
    ['response_time', '0.5s', 0.5],
    ['response_time', '2500ms', 2.5],
    ['response_time', '3', 3],
    ['slow_query_time', '1.5 s', 1.5],
    ['failed_logins_per_hour', '250', 250],
    ['failed_logins_per_hour', '1.2k', 1200],
    ['cpu', '.5', 0.5],
    ['cpu', 'high', null],
    ['cpu', '85ms', null],
    ['response_time', '12%', null],
    ['error_rate', '', null],
  ];
  it.each(cases)('%s "%s" reads as %s', (metric, raw, expected) => {
    expect(parseMetricValue(metric, raw)).toBe(expected);
  });
});

describe('signals', () => {
  const signalsOf = (annotations: Record<string, string>, labels: Record<string, string> = {}, values?: Record<string, number>) =>
    alertSignals({ labels, annotations, ...(values ? { values } : {}) });

  it('reads thresholds from annotations or labels', () => {
    expect(signalsOf({ availability: '97.5 %' }).signals).toEqual(['availability_below_99']);
    expect(signalsOf({ availability: '99.5' }).signals).toEqual([]);
    expect(signalsOf({ error_rate: '3%' }).signals).toEqual(['error_rate_above_1']);
    expect(signalsOf({ error_rate: '12%' }).signals).toEqual(['error_rate_above_1', 'partial_error_rate_above_5']);
    expect(signalsOf({ error_rate: '1' }).signals).toEqual([]);
    expect(signalsOf({ response_time: '2500ms' }).signals).toEqual(['response_time_above_2s']);
    expect(signalsOf({ response_time: '0.5s' }).signals).toEqual([]);
    expect(signalsOf({}, { cpu: '85' }).signals).toEqual(['cpu_above_80']);
    expect(signalsOf({ memory: '86%' }).signals).toEqual(['memory_above_85']);
    expect(signalsOf({ disk: '91' }).signals).toEqual(['disk_above_90']);
    expect(signalsOf({ disk: '90' }).signals).toEqual([]);
    expect(signalsOf({ cache_hit_ratio: '65%' }).signals).toEqual(['cache_hit_ratio_below_70']);
    expect(signalsOf({ slow_query_time: '1500ms' }).signals).toEqual(['slow_queries_above_1s']);
    expect(signalsOf({ failed_logins_per_hour: '101' }).signals).toEqual(['failed_logins_above_100_per_hour']);
  });

  it('prefers the annotation when a label of the same name exists', () => {
    expect(signalsOf({ cpu: '50' }, { cpu: '95' }).signals).toEqual([]);
  });

  it('reads herald_signals from a label and an annotation, noting unknown ids', () => {
    const result = signalsOf({ herald_signals: 'payment_failures, nonsense' }, { herald_signals: 'cpu_above_80' });
    expect(result.signals).toEqual(['payment_failures', 'cpu_above_80']);
    expect(result.notes).toEqual(['unknown signal "nonsense" in herald_signals']);
  });

  it('notes a measurement it cannot read', () => {
    expect(signalsOf({ cpu: 'very high' })).toEqual({ signals: [], notes: ['could not read cpu "very high"'] });
  });

  it('reads a Grafana value that herald_metric points at', () => {
    expect(signalsOf({ herald_metric: 'error_rate' }, {}, { B: 7.5 }).signals).toEqual([
      'error_rate_above_1',
      'partial_error_rate_above_5',
    ]);
    expect(signalsOf({ herald_metric: 'response_time:B' }, {}, { B: 2.7, C: 1 }).signals).toEqual(['response_time_above_2s']);
    const ambiguous = signalsOf({ herald_metric: 'response_time' }, {}, { B: 2.7, C: 1 });
    expect(ambiguous.signals).toEqual([]);
    expect(ambiguous.notes[0]).toContain('has 2 values');
    expect(signalsOf({ herald_metric: 'temperature' }, {}, { B: 1 }).notes[0]).toContain('names no known metric');
    expect(signalsOf({ herald_metric: 'cpu:Z' }, {}, { B: 1 }).notes[0]).toContain('no value "Z"');
  });
});

describe('severity and component status', () => {
  it('maps the Alertmanager severity label', () => {
    expect(severityFromLabel('critical')).toBe('critical');
    expect(severityFromLabel('CRITICAL')).toBe('critical');
    expect(severityFromLabel('error')).toBe('high');
    expect(severityFromLabel('high')).toBe('high');
    expect(severityFromLabel('page')).toBe('high');
    expect(severityFromLabel('warning')).toBe('medium');
    expect(severityFromLabel('info')).toBe('low');
    expect(severityFromLabel('none')).toBe('low');
    expect(severityFromLabel('whatever')).toBeNull();
    expect(severityFromLabel(undefined)).toBeNull();
  });

  it('maps severities to component statuses', () => {
    expect(componentStatusForSeverity('critical')).toBe('major_outage');
    expect(componentStatusForSeverity('high')).toBe('partial_outage');
    expect(componentStatusForSeverity('medium')).toBe('degraded_performance');
    expect(componentStatusForSeverity('low')).toBe('degraded_performance');
  });

  it('uses the severity label only without signals', () => {
    const withLabel = assessAlert({ labels: { severity: 'warning' }, annotations: {} });
    expect(withLabel).toMatchObject({
      signals: [],
      severity: 'medium',
      severitySource: 'severity_label',
      componentStatus: 'degraded_performance',
    });

    const withSignal = assessAlert({ labels: { severity: 'warning' }, annotations: { error_rate: '2%' } });
    expect(withSignal).toMatchObject({
      signals: ['error_rate_above_1'],
      severity: 'critical',
      severitySource: 'signals',
      componentStatus: 'major_outage',
    });
    expect(classifySeverity(withSignal.signals, [withSignal.componentStatus])).toEqual({
      severity: 'critical',
      reason: 'Critical: error rate over 1 %, a component in major outage',
    });

    const page = assessAlert({ labels: { severity: 'page' }, annotations: {} });
    expect(classifySeverity(page.signals, [page.componentStatus])).toEqual({
      severity: 'high',
      reason: 'High: a component in partial outage',
    });
  });

  it('takes a valid component_status label, else derives it', () => {
    expect(
      assessAlert({ labels: { severity: 'critical', component_status: 'degraded_performance' }, annotations: {} }).componentStatus,
    ).toBe('degraded_performance');
    const wrong = assessAlert({ labels: { severity: 'critical', component_status: 'operational' }, annotations: {} });
    expect(wrong.componentStatus).toBe('major_outage');
    expect(wrong.notes[0]).toContain('component_status "operational"');
  });

  it('treats an alert with no severity at all as degraded performance', () => {
    expect(assessAlert({ labels: { alertname: 'Something' }, annotations: {} })).toMatchObject({
      severity: null,
      severitySource: 'none',
      componentStatus: 'degraded_performance',
    });
  });
});
