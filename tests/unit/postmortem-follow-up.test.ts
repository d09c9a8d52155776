import { describe, expect, it } from 'vitest';
import { defaultActionItemDueDate, dueAtOfDate, dueDateOf, isCalendarDate, owesOverdueReminder } from '../../src/lib/domain/action-items';
import { postmortemTemplate, type PostmortemEvent } from '../../src/lib/domain/postmortem-template';

const at = (iso: string) => new Date(iso);

describe('the default due date of an action item', () => {
  const resolvedAt = at('2026-03-01T23:30:00Z');
  const now = at('2026-03-05T10:00:00Z');

  it('is 4 weeks after the resolution for Critical, 8 for High and the others, read in the page time zone', () => {
    expect(defaultActionItemDueDate({ severity: 'critical', resolvedAt }, now, 'UTC')).toBe('2026-03-29');
    expect(defaultActionItemDueDate({ severity: 'high', resolvedAt }, now, 'UTC')).toBe('2026-04-26');
    expect(defaultActionItemDueDate({ severity: 'low', resolvedAt }, now, 'UTC')).toBe('2026-04-26');
    // 23:30 UTC is already the next day in Paris.
    expect(defaultActionItemDueDate({ severity: 'critical', resolvedAt }, now, 'Europe/Paris')).toBe('2026-03-30');
  });

  it('counts from now while the incident is open', () => {
    expect(defaultActionItemDueDate({ severity: 'critical', resolvedAt: null }, now, 'UTC')).toBe('2026-04-02');
  });

  it('is due by the end of its day in the zone, and reads back as the same date', () => {
    expect(dueAtOfDate('2026-03-29', 'UTC')).toEqual(at('2026-03-30T00:00:00Z'));
    // Paris moves to summer time that night: the day ends at 22:00 UTC.
    expect(dueAtOfDate('2026-03-29', 'Europe/Paris')).toEqual(at('2026-03-29T22:00:00Z'));
    expect(dueAtOfDate('2026-12-31', 'UTC')).toEqual(at('2027-01-01T00:00:00Z'));
    for (const zone of ['UTC', 'Europe/Paris', 'America/New_York', 'Pacific/Kiritimati']) {
      expect(dueDateOf(dueAtOfDate('2026-03-29', zone), zone)).toBe('2026-03-29');
    }
  });

  it('accepts only real dates', () => {
    expect(isCalendarDate('2026-02-28')).toBe(true);
    for (const value of ['2026-02-29', '2026-13-01', '2026-3-1', '29/03/2026', '', '2026-03-29T00:00']) {
      expect(isCalendarDate(value)).toBe(false);
    }
  });
});

describe('the overdue reminder', () => {
  const dueAt = at('2026-03-30T00:00:00Z');
  const item = { state: 'open' as const, dueAt, overdueRemindedFor: null, ownerId: 'ada' };

  it('is owed once the due date passes, once per due date, to an owner of an open item', () => {
    expect(owesOverdueReminder(item, at('2026-03-29T23:59:59Z'))).toBe(false);
    expect(owesOverdueReminder(item, dueAt)).toBe(true);
    expect(owesOverdueReminder({ ...item, overdueRemindedFor: dueAt }, dueAt)).toBe(false);
    expect(owesOverdueReminder({ ...item, overdueRemindedFor: at('2026-03-01T00:00:00Z') }, dueAt)).toBe(true);
    expect(owesOverdueReminder({ ...item, state: 'done' }, dueAt)).toBe(false);
    expect(owesOverdueReminder({ ...item, state: 'dropped' }, dueAt)).toBe(false);
    expect(owesOverdueReminder({ ...item, ownerId: null }, dueAt)).toBe(false);
  });
});

describe('the post-mortem template', () => {
  const events: PostmortemEvent[] = [
    { kind: 'update', at: at('2026-03-01T12:40:00Z'), status: 'resolved', body: 'Payments work again.\n\nWe will publish a post-mortem.' },
    { kind: 'customer_email', at: at('2026-03-01T12:05:00Z'), outcome: 'sent', note: null },
    { kind: 'team_alert', at: at('2026-03-01T12:00:02Z'), recipients: 2, reason: 'declared' },
    { kind: 'severity', at: at('2026-03-01T12:20:00Z'), from: 'high', to: 'critical' },
    { kind: 'update', at: at('2026-03-01T12:00:00Z'), status: 'investigating', body: '\nCard payments fail.\nMore soon.' },
    { kind: 'declared', at: at('2026-03-01T12:00:00Z'), severity: 'high' },
  ];
  const markdown = postmortemTemplate({
    severity: 'critical',
    startedAt: at('2026-03-01T11:55:00Z'),
    resolvedAt: at('2026-03-01T12:40:00Z'),
    components: ['Payments', 'API'],
    events,
    actionItems: [{ title: 'Alert on card failures', owner: 'Ada', dueDate: '2026-03-29' }],
    timeZone: 'Europe/Paris',
  });

  it('has the seven sections in order', () => {
    const headings = markdown.split('\n').filter((line) => line.startsWith('## '));
    expect(headings).toEqual([
      '## Summary',
      '## Customer impact',
      '## Timeline',
      '## Root cause',
      '## What went well',
      '## What did not go well',
      '## Action items',
    ]);
  });

  it('fills the timeline in time order, in the page time zone, with the first line of each update', () => {
    const timeline = markdown.split('## Timeline\n\n')[1]!.split('\n\n')[1]!.split('\n');
    expect(timeline).toEqual([
      '- Sun 1 Mar 2026, 13:00 CET: Incident declared (High)',
      '- Sun 1 Mar 2026, 13:00 CET: Public update, Investigating: Card payments fail.',
      '- Sun 1 Mar 2026, 13:00 CET: Team alerted (2 people)',
      '- Sun 1 Mar 2026, 13:05 CET: Customer email sent',
      '- Sun 1 Mar 2026, 13:20 CET: Severity changed from High to Critical',
      '- Sun 1 Mar 2026, 13:40 CET: Public update, Resolved: Payments work again.',
    ]);
  });

  it('states the impact and lists the action items already recorded', () => {
    expect(markdown).toContain('Affected: Payments, API, from Sun 1 Mar 2026, 12:55 CET to Sun 1 Mar 2026, 13:40 CET (45 m 0 s).');
    expect(markdown).toContain('## Action items\n\n- Alert on card failures (Ada, due 2026-03-29)\n');
  });

  it('says so when nothing was recorded', () => {
    const empty = postmortemTemplate({
      severity: 'low',
      startedAt: at('2026-03-01T12:00:00Z'),
      resolvedAt: null,
      components: [],
      events: [],
      actionItems: [],
      timeZone: 'UTC',
    });
    expect(empty).toContain('_No updates or plan events were recorded._');
    expect(empty).toContain('Affected: no component named on the incident, since Sun 1 Mar 2026, 12:00 UTC.');
  });
});
