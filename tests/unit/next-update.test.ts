import { describe, expect, it } from 'vitest';
import { defaultCommunicationPolicy, promisedNextUpdateAt } from '../../src/lib/domain/communication-policy';

const MINUTE = 60_000;
const startedAt = new Date('2026-03-01T14:00:00.000Z');
const postedAt = new Date('2026-03-01T14:06:00.000Z');
const open = { severity: 'high' as const, startedAt, open: true };

describe('when the next update is owed after the latest public one', () => {
  it('is the time the update promised, whatever the cadence', () => {
    const promise = new Date('2026-03-01T15:00:00.000Z');
    expect(promisedNextUpdateAt(defaultCommunicationPolicy, open, { postedAt, nextUpdateBy: promise })).toEqual(promise);
    expect(promisedNextUpdateAt(defaultCommunicationPolicy, { ...open, severity: 'low' }, { postedAt, nextUpdateBy: promise })).toEqual(
      promise,
    );
  });

  it('is the cadence after the update when it promised nothing (an update posted before promises existed), none without cadence', () => {
    expect(promisedNextUpdateAt(defaultCommunicationPolicy, open, { postedAt, nextUpdateBy: null })).toEqual(
      new Date(postedAt.getTime() + 30 * MINUTE),
    );
    expect(promisedNextUpdateAt(defaultCommunicationPolicy, { ...open, severity: 'low' }, { postedAt, nextUpdateBy: null })).toBeNull();
  });

  it('is none once the incident is closed', () => {
    expect(promisedNextUpdateAt(defaultCommunicationPolicy, { ...open, open: false }, { postedAt, nextUpdateBy: postedAt })).toBeNull();
  });
});
