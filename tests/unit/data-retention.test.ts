import { describe, expect, it } from 'vitest';
import { pendingSubscriptionExpired } from '../../src/lib/domain/data-retention';

const DAY = 24 * 60 * 60 * 1000;
const createdAt = new Date('2026-03-01T12:00:00.000Z');
const after = (ms: number) => new Date(createdAt.getTime() + ms);

describe('pending subscriptions', () => {
  it('expire exactly 7 days after they were asked for', () => {
    expect(pendingSubscriptionExpired(createdAt, after(7 * DAY - 1))).toBe(false);
    expect(pendingSubscriptionExpired(createdAt, after(7 * DAY))).toBe(true);
    expect(pendingSubscriptionExpired(createdAt, after(30 * DAY))).toBe(true);
  });
});
