import { describe, expect, it } from 'vitest';
import type { NormalisedAlert } from '../../src/lib/domain/alert-intake';
import {
  analyseAlerts,
  freshFingerprints,
  mapAlert,
  orderedSignals,
  publicNames,
  uniqueFingerprints,
  unmappedProblem,
  worstStatusPerComponent,
  type KnownComponent,
  type UnmappedAlert,
} from '../../src/lib/domain/alert-mapping';

const components = new Map<string, KnownComponent>(
  [
    { id: 'c-search', name: 'Search', hidden: false, order: 0 },
    { id: 'c-api', name: 'API', hidden: false, order: 1 },
    { id: 'c-db', name: 'Database', hidden: true, order: 2 },
    { id: 'c-web-1', name: 'Web', hidden: false, order: 3 },
    { id: 'c-web-2', name: 'web', hidden: false, order: 4 },
  ].map((item) => [item.id, item]),
);

let index = 0;
const alert = (labels: Record<string, string>, annotations: Record<string, string> = {}): NormalisedAlert => ({
  index: index++,
  fingerprint: `fp-${labels.alertname ?? index}`,
  status: 'firing',
  labels,
  annotations,
  startsAt: new Date('2026-03-01T12:00:00Z'),
  links: {},
});

describe('mapping an alert to components', () => {
  it('takes the component label as an id or a name in any case', () => {
    expect(mapAlert(alert({ component: 'c-api' }), components, [])).toEqual({
      ok: true,
      componentIds: ['c-api'],
      via: 'component label "c-api"',
    });
    expect(mapAlert(alert({ component: ' search ' }), components, [])).toEqual({
      ok: true,
      componentIds: ['c-search'],
      via: 'component label "search"',
    });
  });

  it('falls back to the rules, noting why the label did not map', () => {
    const rules = [
      { label: 'service', value: 'checkout', componentId: 'c-api' },
      { label: 'team', value: 'core', componentId: 'c-search' },
      { label: 'team', value: 'core', componentId: 'gone' },
    ];
    expect(mapAlert(alert({ service: 'checkout', team: 'core' }), components, rules)).toEqual({
      ok: true,
      componentIds: ['c-api', 'c-search'],
      via: 'rule service="checkout", team="core"',
    });
    expect(mapAlert(alert({ component: 'Payments', service: 'checkout' }), components, rules)).toMatchObject({
      ok: true,
      componentIds: ['c-api'],
      note: 'its "component" label "Payments" names no component (or an archived one)',
    });
  });

  it('says what is missing when nothing maps', () => {
    expect(mapAlert(alert({ alertname: 'X' }), components, [])).toEqual({ ok: false, problem: 'no_label' });
    expect(mapAlert(alert({ component: 'Payments' }), components, [])).toEqual({ ok: false, problem: 'unknown', value: 'Payments' });
    expect(mapAlert(alert({ component: 'WEB' }), components, [])).toEqual({ ok: false, problem: 'ambiguous', value: 'WEB', matches: 2 });
  });
});

describe('analysing a group of alerts', () => {
  it('keeps the worst status per component, in page order, and classifies the group', () => {
    const analysis = analyseAlerts(
      [
        alert({ alertname: 'Slow', component: 'API', severity: 'warning' }),
        alert({ alertname: 'Down', component: 'API', severity: 'critical' }),
        alert({ alertname: 'Errors', component: 'Search' }, { error_rate: '2%' }),
        alert({ alertname: 'Lost' }),
      ],
      components,
      [],
    );
    expect(analysis.changes).toEqual([
      { componentId: 'c-search', status: 'major_outage' },
      { componentId: 'c-api', status: 'major_outage' },
    ]);
    expect(analysis.signals).toEqual(['error_rate_above_1']);
    expect(analysis.suggestion.severity).toBe('critical');
    expect(analysis.unmapped.map((item) => item.alert.labels.alertname)).toEqual(['Lost']);
    expect(analysis.notes).toEqual(['Alert "Lost" maps to no component (it has no "component" label) and was left out.']);
  });

  it('orders statuses and signals the same whatever order they came in', () => {
    expect(
      worstStatusPerComponent(
        [
          { componentId: 'unknown', status: 'degraded_performance' },
          { componentId: 'c-api', status: 'partial_outage' },
          { componentId: 'c-search', status: 'degraded_performance' },
          { componentId: 'c-api', status: 'degraded_performance' },
        ],
        components,
      ),
    ).toEqual([
      { componentId: 'c-search', status: 'degraded_performance' },
      { componentId: 'c-api', status: 'partial_outage' },
      { componentId: 'unknown', status: 'degraded_performance' },
    ]);
    expect(orderedSignals(['cpu_above_80', 'payment_failures', 'cpu_above_80'])).toEqual(['payment_failures', 'cpu_above_80']);
  });
});

describe('refusing a group that maps nowhere', () => {
  it('names each alert and its field, showing at most three in the message', () => {
    const unmapped: UnmappedAlert[] = [
      { alert: alert({ alertname: 'A' }), problem: { problem: 'no_label' } },
      { alert: alert({ alertname: 'B', component: 'Pay' }), problem: { problem: 'unknown', value: 'Pay' } },
      { alert: alert({ alertname: 'C' }), problem: { problem: 'no_label' } },
      { alert: alert({ alertname: 'D' }), problem: { problem: 'no_label' } },
    ];
    const { message, fieldErrors } = unmappedProblem(unmapped);
    expect(message).toContain(
      'No component for alert "A": add a "component" label (a component\'s id or name) or a rule in the intake settings for one of its labels (alertname).',
    );
    expect(message).toContain('No component for alert "B": its "component" label "Pay" names no component (or an archived one).');
    expect(message).not.toContain('alert "D"');
    expect(message.endsWith('(1 more alerts without a component.)')).toBe(true);
    expect(fieldErrors[`alerts.${unmapped[1]?.alert.index}.labels.component`]).toBe('"Pay" names no component.');
    expect(Object.keys(fieldErrors)).toHaveLength(4);
  });
});

describe('names and fingerprints', () => {
  it('leaves hidden components out of public names', () => {
    expect(publicNames(['c-db', 'c-api', 'c-search', 'c-api'], components)).toEqual(['Search', 'API']);
  });

  it('tells new fingerprints from repeats', () => {
    expect(uniqueFingerprints([{ fingerprint: 'a' }, { fingerprint: 'b' }, { fingerprint: 'a' }])).toEqual(['a', 'b']);
    expect(freshFingerprints(['a', 'b', 'c'], ['b'])).toEqual(['a', 'c']);
  });
});
