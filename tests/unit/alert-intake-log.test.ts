import { describe, expect, it } from 'vitest';
import { assessAlert } from '../../src/lib/domain/alert-assessment';
import type { NormalisedAlert } from '../../src/lib/domain/alert-intake';
import {
  alertLine,
  composeDetail,
  describeAlerts,
  describeChanges,
  describeFieldErrors,
  DETAIL_MAX,
  excerpt,
  failureDetail,
  newAlertCount,
  shortened,
  splitDetail,
} from '../../src/lib/domain/alert-intake-log';
import type { KnownComponent } from '../../src/lib/domain/alert-mapping';

const components = new Map<string, KnownComponent>([['c-api', { id: 'c-api', name: 'API', hidden: false, order: 0 }]]);
const alert: NormalisedAlert = {
  index: 0,
  fingerprint: '4c2f1a9be0d7c3e8',
  status: 'firing',
  labels: { alertname: 'HighErrorRate', component: 'API' },
  annotations: { summary: 'Errors\n  on api', error_rate: '12%' },
  startsAt: new Date('2026-03-01T14:05:00Z'),
  links: { generatorURL: 'https://prometheus.internal.example/graph' },
};

describe('the intake log', () => {
  it('writes one line per alert, with mapping, signals, annotations and links', () => {
    const mapped = [{ alert, assessment: assessAlert(alert), componentIds: ['c-api'], via: 'component label "API"' }];
    expect(describeAlerts([alert], mapped, components)).toEqual([
      '- HighErrorRate [4c2f1a9be0d7c3e8] firing · → API (major outage, by component label "API") · signals: error_rate_above_1, partial_error_rate_above_5 · summary: Errors on api · generatorURL: https://prometheus.internal.example/graph',
    ]);
    expect(describeAlerts([alert], [], components)[0]).toBe(
      '- HighErrorRate [4c2f1a9be0d7c3e8] firing · summary: Errors on api · generatorURL: https://prometheus.internal.example/graph',
    );
    expect(alertLine({ ...alert, labels: {}, status: 'resolved' })).toBe('- 4c2f1a9be0d7c3e8 [4c2f1a9be0d7c3e8] resolved');
  });

  it('names components with their status, and counts new alerts', () => {
    expect(
      describeChanges(
        [
          { componentId: 'c-api', status: 'partial_outage' },
          { componentId: 'gone', status: 'degraded_performance' },
        ],
        components,
      ),
    ).toBe('API (partial outage), gone (degraded performance)');
    expect(newAlertCount(1)).toBe('1 new alert');
    expect(newAlertCount(3)).toBe('3 new alerts');
  });

  it('keeps details and excerpts within their lengths', () => {
    expect(composeDetail('Declared.', ['- a', '- b'], ['note'])).toBe('Declared.\n- a\n- b\nnote');
    const long = composeDetail('x'.repeat(DETAIL_MAX + 10), [], []);
    expect(long).toHaveLength(DETAIL_MAX);
    expect(long.endsWith('…')).toBe(true);
    expect(excerpt('a   b\nc')).toBe('a b c');
    expect(excerpt('abcdef', 4)).toBe('abc…');
    expect(shortened('{}:{alertname="X"}', 8)).toBe('{}:{ale…');
    expect(shortened('short', 8)).toBe('short');
  });

  it('reads a detail back as its summary and the rest', () => {
    expect(splitDetail(composeDetail('Declared.', ['- a'], ['note']))).toEqual({ summary: 'Declared.', more: '- a\nnote' });
    expect(splitDetail('Ignored.')).toEqual({ summary: 'Ignored.', more: '' });
  });

  it('words refusals with their field errors', () => {
    expect(failureDetail({ message: 'Nope.', fieldErrors: { groupKey: 'Required.' } })).toBe('Rejected: Nope.\n- groupKey: Required.');
    expect(failureDetail({ message: 'Viewer key.' })).toBe('Rejected: Viewer key.');
    const many = Object.fromEntries(Array.from({ length: 7 }, (_, index) => [`alerts.${index}.labels`, 'Required.']));
    expect(describeFieldErrors(many)).toBe(
      'alerts.0.labels: Required.; alerts.1.labels: Required.; alerts.2.labels: Required.; alerts.3.labels: Required.; alerts.4.labels: Required. (and 2 more)',
    );
  });
});
