import { describe, expect, it } from 'vitest';
import { draftDiffers, draftProposal, grownDraftEvidence } from '../../src/lib/domain/alert-draft';
import type { KnownComponent } from '../../src/lib/domain/alert-mapping';
import { defaultWording } from '../../src/lib/domain/public-wording';

const components = new Map<string, KnownComponent>([
  ['c-search', { id: 'c-search', name: 'Search', hidden: false, order: 0 }],
  ['c-api', { id: 'c-api', name: 'API', hidden: false, order: 1 }],
]);
const now = new Date('2026-03-01T14:07:00Z');
const alerts = [{ labels: { alertname: 'HighErrorRate' }, annotations: {}, startsAt: new Date('2026-03-01T14:05:00Z') }];

describe('what a draft proposes', () => {
  it('titles, classifies and words the draft from its alerts and components', () => {
    expect(
      draftProposal(alerts, [{ componentId: 'c-api', status: 'partial_outage' }], ['cpu_above_80'], components, defaultWording, now),
    ).toEqual({
      title: 'A partial outage of API',
      severity: 'high',
      severityReason: 'High: a component in partial outage',
      signals: ['cpu_above_80'],
      components: [{ componentId: 'c-api', status: 'partial_outage' }],
      message: 'We are investigating a partial outage of API. We will post an update as soon as we know more.',
    });
  });

  it('only grows: components keep their worst status, signals accumulate in the plan order', () => {
    const grown = grownDraftEvidence(
      { components: [{ componentId: 'c-api', status: 'major_outage' }], signals: ['cpu_above_80'] },
      {
        components: [
          { componentId: 'c-search', status: 'degraded_performance' },
          { componentId: 'c-api', status: 'degraded_performance' },
        ],
        signals: ['payment_failures'],
      },
      components,
    );
    expect(grown).toEqual({
      changes: [
        { componentId: 'c-search', status: 'degraded_performance' },
        { componentId: 'c-api', status: 'major_outage' },
      ],
      signals: ['payment_failures', 'cpu_above_80'],
    });
  });

  it('tells a changed proposal from the stored draft, whatever key order jsonb kept', () => {
    const proposal = draftProposal(alerts, [{ componentId: 'c-api', status: 'partial_outage' }], [], components, defaultWording, now);
    const stored = { ...proposal, components: [{ status: 'partial_outage' as const, componentId: 'c-api' }] };
    expect(draftDiffers(proposal, stored)).toBe(false);
    expect(draftDiffers(proposal, { ...stored, title: 'Other' })).toBe(true);
    expect(draftDiffers(proposal, { ...stored, signals: ['cpu_above_80'] })).toBe(true);
    expect(draftDiffers(proposal, { ...stored, components: [{ componentId: 'c-api', status: 'major_outage' }] })).toBe(true);
  });
});
