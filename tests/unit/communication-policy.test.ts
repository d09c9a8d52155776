import { describe, expect, it } from 'vitest';
import {
  allowedRangeText,
  cadenceFromUniformMinutes,
  cadenceMinutesAt,
  cadenceProblems,
  cadenceText,
  communicationPolicyBounds,
  customerEmailDueAt,
  defaultCommunicationPolicy,
  emailsUpdate,
  isOutageSeverity,
  nextUpdateByFor,
  nextUpdateDueAt,
  owesPostmortem,
  postmortemDeadline,
  postmortemDueAt,
  postmortemReminderAt,
  updateDeadlinesAround,
  type CommunicationPolicy,
} from '../../src/lib/domain/communication-policy';
import { severities, type Severity } from '../../src/lib/domain/statuses';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

const start = new Date('2026-03-01T12:00:00.000Z');
const at = (milliseconds: number) => new Date(start.getTime() + milliseconds);
const policy = (changes: Partial<CommunicationPolicy>): CommunicationPolicy => ({ ...defaultCommunicationPolicy, ...changes });

describe('the default plan', () => {
  it('is the company plan: email after 5 min for Critical and High, updates by severity, a post-mortem in 24 h with a reminder 4 h before', () => {
    expect(defaultCommunicationPolicy).toEqual({
      customerEmailDelaySeconds: 300,
      outageSeverities: ['critical', 'high'],
      updateCadence: {
        critical: { everyMinutes: 20, forFirstMinutes: 120, thenEveryMinutes: 60 },
        high: { everyMinutes: 30, forFirstMinutes: null, thenEveryMinutes: null },
        medium: { everyMinutes: 60, forFirstMinutes: null, thenEveryMinutes: null },
        low: { everyMinutes: null, forFirstMinutes: null, thenEveryMinutes: null },
      },
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

describe('the update cadence by severity', () => {
  const plan = defaultCommunicationPolicy;
  const incident = (severity: Severity) => ({ severity, startedAt: start });

  it('is every 20 min for the first 2 h of a Critical incident, then every 60 min; High 30, Medium 60, Low none', () => {
    expect(cadenceMinutesAt(plan, 'critical', 0)).toBe(20);
    expect(cadenceMinutesAt(plan, 'critical', 2 * HOUR - 1)).toBe(20);
    expect(cadenceMinutesAt(plan, 'critical', 2 * HOUR)).toBe(60);
    expect(cadenceMinutesAt(plan, 'critical', 30 * HOUR)).toBe(60);
    expect(severities.map((severity) => cadenceMinutesAt(plan, severity, 5 * HOUR))).toEqual([60, 30, 60, null]);
  });

  it('owes the next update one cadence after the last, by the cadence of that moment', () => {
    expect(nextUpdateDueAt(plan, incident('high'), at(20 * MINUTE))).toEqual(at(50 * MINUTE));
    expect(nextUpdateDueAt(plan, incident('critical'), at(110 * MINUTE))).toEqual(at(130 * MINUTE));
    expect(nextUpdateDueAt(plan, incident('critical'), at(2 * HOUR))).toEqual(at(3 * HOUR));
    expect(nextUpdateDueAt(plan, incident('low'), at(HOUR))).toBeNull();
    const custom = policy({
      updateCadence: { ...plan.updateCadence, low: { everyMinutes: 1_440, forFirstMinutes: null, thenEveryMinutes: null } },
    });
    expect(nextUpdateDueAt(custom, incident('low'), start)).toEqual(at(24 * HOUR));
  });

  it('walks the missed deadlines: the promise, then the cadence, across the 2-hour switch', () => {
    // A Critical incident promised 1:50 in; nobody posts. Then 2:10 (20 min, still within 2 h), then 3:10, 4:10 (60 min).
    expect(updateDeadlinesAround(plan, incident('critical'), at(110 * MINUTE), at(110 * MINUTE - 1))).toEqual({
      lastMissedAt: null,
      nextAt: at(110 * MINUTE),
    });
    expect(updateDeadlinesAround(plan, incident('critical'), at(110 * MINUTE), at(110 * MINUTE))).toEqual({
      lastMissedAt: at(110 * MINUTE),
      nextAt: at(130 * MINUTE),
    });
    expect(updateDeadlinesAround(plan, incident('critical'), at(110 * MINUTE), at(4 * HOUR))).toEqual({
      lastMissedAt: at(190 * MINUTE),
      nextAt: at(250 * MINUTE),
    });
    // A severity without cadence owes only what was promised.
    expect(updateDeadlinesAround(plan, incident('low'), at(HOUR), at(9 * HOUR))).toEqual({ lastMissedAt: at(HOUR), nextAt: null });
  });

  it('reads in words', () => {
    expect(severities.map((severity) => cadenceText(plan.updateCadence[severity]))).toEqual([
      'every 20 min for the first 2 h, then every 60 min',
      'every 30 min',
      'every 60 min',
      'no update cadence',
    ]);
    expect(cadenceText({ everyMinutes: 15, forFirstMinutes: 90, thenEveryMinutes: 45 })).toBe(
      'every 15 min for the first 90 min, then every 45 min',
    );
  });

  it('holds together only with a first cadence, and a later one with its first period', () => {
    expect(severities.map((severity) => cadenceProblems(plan.updateCadence[severity]))).toEqual([{}, {}, {}, {}]);
    expect(cadenceProblems({ everyMinutes: null, forFirstMinutes: null, thenEveryMinutes: 60 })).toHaveProperty('everyMinutes');
    expect(cadenceProblems({ everyMinutes: 20, forFirstMinutes: null, thenEveryMinutes: 60 })).toEqual({
      forFirstMinutes: 'Say how long the first cadence lasts before the later one applies.',
    });
    expect(cadenceProblems({ everyMinutes: 20, forFirstMinutes: 120, thenEveryMinutes: null })).toEqual({
      thenEveryMinutes: 'Say how often updates are owed after the first period, or clear the period.',
    });
  });

  it('reads a plan stored with one cadence for all as that cadence for every severity', () => {
    const uniform = cadenceFromUniformMinutes(45);
    expect(severities.map((severity) => cadenceMinutesAt(policy({ updateCadence: uniform }), severity, 5 * HOUR))).toEqual([
      45, 45, 45, 45,
    ]);
  });
});

describe('nextUpdateByFor: the "next update by" a new update carries', () => {
  const plan = defaultCommunicationPolicy;
  const now = at(10 * MINUTE);
  const high = { severity: 'high' as const, startedAt: start };

  it('defaults to the cadence from now, none for a severity without one, none when resolving', () => {
    expect(nextUpdateByFor(plan, high, { status: 'investigating', chosen: undefined }, now)).toEqual({ ok: true, value: at(40 * MINUTE) });
    expect(nextUpdateByFor(plan, high, { status: 'identified', chosen: null }, now)).toEqual({ ok: true, value: at(40 * MINUTE) });
    expect(nextUpdateByFor(plan, { ...high, severity: 'low' }, { status: 'identified', chosen: undefined }, now)).toEqual({
      ok: true,
      value: null,
    });
    expect(nextUpdateByFor(plan, high, { status: 'resolved', chosen: at(HOUR) }, now)).toEqual({ ok: true, value: null });
  });

  it('keeps a time staff chose in the next 24 hours, and refuses the past, now, and later than a day', () => {
    expect(nextUpdateByFor(plan, high, { status: 'monitoring', chosen: at(3 * HOUR) }, now)).toEqual({ ok: true, value: at(3 * HOUR) });
    expect(nextUpdateByFor(plan, high, { status: 'monitoring', chosen: new Date(now.getTime() + 24 * HOUR) }, now).ok).toBe(true);
    expect(nextUpdateByFor(plan, high, { status: 'monitoring', chosen: now }, now)).toEqual({
      ok: false,
      message: 'The next update time must be in the future.',
    });
    expect(nextUpdateByFor(plan, high, { status: 'monitoring', chosen: at(MINUTE) }, now).ok).toBe(false);
    expect(nextUpdateByFor(plan, high, { status: 'monitoring', chosen: new Date(now.getTime() + 24 * HOUR + 1) }, now)).toEqual({
      ok: false,
      message: 'Promise the next update within 24 hours.',
    });
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
      postmortemWindowHours: { min: 1, max: 720 },
      postmortemReminderHours: { min: 0, max: 720 },
      everyMinutes: { min: 1, max: 1_440 },
      forFirstMinutes: { min: 1, max: 10_080 },
      thenEveryMinutes: { min: 1, max: 1_440 },
    });
  });

  it('holds the default plan', () => {
    const cadenceNumbers = severities.flatMap((severity) => Object.entries(defaultCommunicationPolicy.updateCadence[severity]));
    const numbers = [
      ...(['customerEmailDelaySeconds', 'postmortemWindowHours', 'postmortemReminderHours'] as const).map(
        (name) => [name, defaultCommunicationPolicy[name]] as const,
      ),
      ...cadenceNumbers,
    ];
    for (const [name, value] of numbers) {
      if (value === null) continue;
      const { min, max } = communicationPolicyBounds[name as keyof typeof communicationPolicyBounds];
      expect(value).toBeGreaterThanOrEqual(min);
      expect(value).toBeLessThanOrEqual(max);
    }
  });

  it('reads to staff with thousands separated', () => {
    expect(allowedRangeText('customerEmailDelaySeconds')).toBe('0 to 86,400');
    expect(allowedRangeText('everyMinutes')).toBe('1 to 1,440');
    expect(allowedRangeText('forFirstMinutes')).toBe('1 to 10,080');
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
