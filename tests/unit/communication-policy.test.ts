import { describe, expect, it } from 'vitest';
import {
  allowedRangeText,
  communicationPolicyBounds,
  customerEmailDueAt,
  defaultCommunicationPolicy,
  emailsUpdate,
  isOutageSeverity,
  nextUpdateDueAt,
  owesPostmortem,
  postmortemDeadline,
  postmortemDueAt,
  postmortemReminderAt,
  type CommunicationPolicy,
} from '../../src/lib/domain/communication-policy';
import { severities } from '../../src/lib/domain/statuses';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

const start = new Date('2026-03-01T12:00:00.000Z');
const at = (milliseconds: number) => new Date(start.getTime() + milliseconds);
const policy = (changes: Partial<CommunicationPolicy>): CommunicationPolicy => ({ ...defaultCommunicationPolicy, ...changes });

describe('the default plan', () => {
  it('is the company plan: email after 5 min for Critical and High, an update every 30 min, a post-mortem in 24 h with a reminder 4 h before', () => {
    expect(defaultCommunicationPolicy).toEqual({
      customerEmailDelaySeconds: 300,
      outageSeverities: ['critical', 'high'],
      updateCadenceMinutes: 30,
      postmortemSeverities: ['critical', 'high'],
      postmortemWindowHours: 24,
      postmortemReminderHours: 4,
    });
  });

  it('counts Critical and High as outages, Medium and Low not', () => {
    expect(severities.filter((severity) => isOutageSeverity(defaultCommunicationPolicy, severity))).toEqual(['critical', 'high']);
  });

  it('owes a post-mortem for Critical and High only', () => {
    expect(severities.filter((severity) => owesPostmortem(defaultCommunicationPolicy, severity))).toEqual(['critical', 'high']);
  });

  it('follows the settings when they change the severities', () => {
    const wider = policy({ outageSeverities: ['critical', 'high', 'medium'], postmortemSeverities: ['critical'] });
    expect(isOutageSeverity(wider, 'medium')).toBe(true);
    expect(isOutageSeverity(wider, 'low')).toBe(false);
    expect(owesPostmortem(wider, 'high')).toBe(false);
    expect(owesPostmortem(policy({ postmortemSeverities: [] }), 'critical')).toBe(false);
    expect(isOutageSeverity(policy({ outageSeverities: [] }), 'critical')).toBe(false);
  });
});

describe('customerEmailDueAt', () => {
  it('is five minutes after the incident started', () => {
    expect(customerEmailDueAt(defaultCommunicationPolicy, start)).toEqual(at(5 * MINUTE));
  });

  it('follows the configured delay, to the second', () => {
    expect(customerEmailDueAt(policy({ customerEmailDelaySeconds: 10 }), start)).toEqual(at(10 * SECOND));
    expect(customerEmailDueAt(policy({ customerEmailDelaySeconds: 86_400 }), start)).toEqual(at(24 * HOUR));
  });

  it('is the start itself with no delay', () => {
    expect(customerEmailDueAt(policy({ customerEmailDelaySeconds: 0 }), start)).toEqual(start);
  });

  it('counts from when the incident started, even one backfilled long ago', () => {
    const longAgo = new Date('2025-12-31T23:58:00.000Z');
    expect(customerEmailDueAt(defaultCommunicationPolicy, longAgo)).toEqual(new Date('2026-01-01T00:03:00.000Z'));
  });

  it('does not change the date it is given', () => {
    const given = new Date(start);
    customerEmailDueAt(defaultCommunicationPolicy, given);
    expect(given).toEqual(start);
  });
});

describe('nextUpdateDueAt', () => {
  it('is thirty minutes after the last public update', () => {
    expect(nextUpdateDueAt(defaultCommunicationPolicy, at(20 * MINUTE))).toEqual(at(50 * MINUTE));
  });

  it('follows the configured cadence', () => {
    expect(nextUpdateDueAt(policy({ updateCadenceMinutes: 1 }), start)).toEqual(at(MINUTE));
    expect(nextUpdateDueAt(policy({ updateCadenceMinutes: 1_440 }), start)).toEqual(at(24 * HOUR));
  });
});

describe('postmortemDueAt and postmortemReminderAt', () => {
  const resolvedAt = at(90 * MINUTE);

  it('is due 24 hours after resolution, with the reminder 4 hours before', () => {
    expect(postmortemDueAt(defaultCommunicationPolicy, resolvedAt)).toEqual(at(90 * MINUTE + 24 * HOUR));
    expect(postmortemReminderAt(defaultCommunicationPolicy, resolvedAt)).toEqual(at(90 * MINUTE + 20 * HOUR));
  });

  it('follows the configured window and reminder', () => {
    const custom = policy({ postmortemWindowHours: 72, postmortemReminderHours: 24 });
    expect(postmortemDueAt(custom, resolvedAt)).toEqual(at(90 * MINUTE + 72 * HOUR));
    expect(postmortemReminderAt(custom, resolvedAt)).toEqual(at(90 * MINUTE + 48 * HOUR));
  });

  it('reminds at the deadline itself when the reminder is set to zero hours', () => {
    const custom = policy({ postmortemReminderHours: 0 });
    expect(postmortemReminderAt(custom, resolvedAt)).toEqual(postmortemDueAt(custom, resolvedAt));
  });

  it('always reminds before the deadline with the defaults', () => {
    expect(postmortemReminderAt(defaultCommunicationPolicy, resolvedAt).getTime()).toBeLessThan(
      postmortemDueAt(defaultCommunicationPolicy, resolvedAt).getTime(),
    );
  });
});

describe('the bounds of the plan', () => {
  it('allows an email from at once to a day, an update every minute to every day, and post-mortem hours up to 30 days', () => {
    expect(communicationPolicyBounds).toEqual({
      customerEmailDelaySeconds: { min: 0, max: 86_400 },
      updateCadenceMinutes: { min: 1, max: 1_440 },
      postmortemWindowHours: { min: 1, max: 720 },
      postmortemReminderHours: { min: 0, max: 720 },
    });
  });

  it('holds the default plan', () => {
    for (const [name, { min, max }] of Object.entries(communicationPolicyBounds)) {
      const value = defaultCommunicationPolicy[name as keyof typeof communicationPolicyBounds];
      expect(value).toBeGreaterThanOrEqual(min);
      expect(value).toBeLessThanOrEqual(max);
    }
  });

  it('reads to staff with thousands separated', () => {
    expect(allowedRangeText('customerEmailDelaySeconds')).toBe('0 to 86,400');
    expect(allowedRangeText('updateCadenceMinutes')).toBe('1 to 1,440');
    expect(allowedRangeText('postmortemReminderHours')).toBe('0 to 720');
  });
});

describe('emailsUpdate', () => {
  it('emails an update of a non-outage when staff ask, and never when they do not', () => {
    expect(emailsUpdate({ severity: 'medium', customerEmailState: 'not_required' }, defaultCommunicationPolicy, true)).toBe(true);
    expect(emailsUpdate({ severity: 'medium', customerEmailState: 'not_required' }, defaultCommunicationPolicy, false)).toBe(false);
  });

  it('holds back the updates of an outage until its customer email went out', () => {
    expect(emailsUpdate({ severity: 'critical', customerEmailState: 'scheduled' }, defaultCommunicationPolicy, true)).toBe(false);
    expect(emailsUpdate({ severity: 'critical', customerEmailState: 'sent' }, defaultCommunicationPolicy, true)).toBe(true);
    expect(emailsUpdate({ severity: 'critical', customerEmailState: 'sent' }, defaultCommunicationPolicy, false)).toBe(false);
  });
});

describe('postmortemDeadline', () => {
  const resolved = { severity: 'high' as const, resolvedAt: start, postmortemPublishedAt: null };

  it('is owed and due a day after resolution, overdue only after that moment', () => {
    expect(postmortemDeadline(resolved, defaultCommunicationPolicy, at(24 * HOUR))).toEqual({
      owed: true,
      dueAt: at(24 * HOUR),
      overdue: false,
    });
    expect(postmortemDeadline(resolved, defaultCommunicationPolicy, at(24 * HOUR + 1)).overdue).toBe(true);
  });

  it('has no due time before resolution, and is never overdue once published or not owed', () => {
    expect(postmortemDeadline({ ...resolved, resolvedAt: null }, defaultCommunicationPolicy, at(48 * HOUR))).toEqual({
      owed: true,
      dueAt: null,
      overdue: false,
    });
    expect(postmortemDeadline({ ...resolved, postmortemPublishedAt: at(HOUR) }, defaultCommunicationPolicy, at(48 * HOUR)).overdue).toBe(
      false,
    );
    expect(postmortemDeadline({ ...resolved, severity: 'low' }, defaultCommunicationPolicy, at(48 * HOUR))).toMatchObject({
      owed: false,
      overdue: false,
    });
  });
});
