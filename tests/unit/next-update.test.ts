import { describe, expect, it } from 'vitest';
import { defaultCommunicationPolicy, promisedNextUpdateAt } from '../../src/lib/domain/communication-policy';
import { unresolvedIncidentStatuses } from '../../src/lib/domain/statuses';

const MINUTE = 60_000;
const postedAt = new Date('2026-03-01T14:06:00.000Z');

describe('the next update customers are promised', () => {
  it.each(unresolvedIncidentStatuses)('is the cadence after the latest public update while the incident is %s', (status) => {
    expect(promisedNextUpdateAt(defaultCommunicationPolicy, { status, displayAt: postedAt })).toEqual(new Date('2026-03-01T14:36:00.000Z'));
  });

  it('follows the cadence the plan sets', () => {
    const policy = { ...defaultCommunicationPolicy, updateCadenceMinutes: 90 };
    expect(promisedNextUpdateAt(policy, { status: 'identified', displayAt: postedAt })).toEqual(new Date(postedAt.getTime() + 90 * MINUTE));
  });

  it('is none once the incident is resolved', () => {
    expect(promisedNextUpdateAt(defaultCommunicationPolicy, { status: 'resolved', displayAt: postedAt })).toBeNull();
  });
});
