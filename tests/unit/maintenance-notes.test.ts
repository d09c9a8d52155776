/** What a maintenance says: its standard updates, and the admin's notes on which emails go out. */
import { describe, expect, it } from 'vitest';
import { emailsStaffUpdate, type MaintenanceNotifySwitches } from '../../src/lib/domain/maintenance';
import { emailSummary, momentNotify, staffUpdateNotify } from '../../src/lib/domain/maintenance-email-notes';
import { extendedMessage, rescheduledMessage, scheduledMessage } from '../../src/lib/domain/maintenance-messages';

const on: MaintenanceNotifySwitches = {
  notifySubscribers: true,
  notifyOnSchedule: true,
  notifyReminder: true,
  notifyOnStart: true,
  notifyOnComplete: true,
  backfilled: false,
};

describe('update messages', () => {
  const start = new Date('2026-11-24T01:00:00Z');
  const end = new Date('2026-11-24T03:00:00Z');

  it('say when a window is scheduled, and how a series repeats', () => {
    expect(scheduledMessage({ start, end, timeZone: 'Europe/Paris', backfill: false, series: null })).toBe(
      'Scheduled for Tue 24 Nov 2026, 02:00–04:00 CET.',
    );
    expect(
      scheduledMessage({
        start,
        end,
        timeZone: 'Europe/Paris',
        backfill: false,
        series: { rule: { frequency: 'weekly', weekdays: [2] }, end: { count: 4 } },
      }),
    ).toBe('Scheduled for Tue 24 Nov 2026, 02:00–04:00 CET. Weekly on Tuesday, 4 times.');
    expect(scheduledMessage({ start, end, timeZone: 'Europe/Paris', backfill: true, series: null })).toBe(
      'Carried out Tue 24 Nov 2026, 02:00–04:00 CET; recorded afterwards.',
    );
  });

  it('say where a window moved and when it now ends', () => {
    expect(rescheduledMessage(start, end, 'UTC')).toBe('Rescheduled to Tue 24 Nov 2026, 01:00–03:00 UTC.');
    expect(extendedMessage(end, 'Europe/Paris')).toBe('The maintenance is now expected to end Tue 24 Nov 2026, 04:00 CET.');
  });
});

describe('email notes', () => {
  it('asks about a staff update only when the maintenance emails at all', () => {
    expect(emailsStaffUpdate(on)).toBe(true);
    expect(staffUpdateNotify(on, false)).toEqual({ checked: false });
    expect(staffUpdateNotify({ ...on, notifySubscribers: false }, true)).toEqual({
      text: 'No email: subscriber email is off for this maintenance.',
    });
    expect(staffUpdateNotify({ ...on, backfilled: true }, true)).toEqual({ text: 'No email: this is a backfill.' });
  });

  it('asks about a start or completion only when its switch is on, and says which switch is off', () => {
    expect(momentNotify(on, 'started', true)).toEqual({ checked: true });
    expect(momentNotify({ ...on, notifyOnStart: false }, 'started', true)).toEqual({
      text: 'No email: “when it starts” is off for this maintenance.',
    });
    expect(momentNotify({ ...on, notifyOnComplete: false }, 'completed', true)).toEqual({
      text: 'No email: “when it completes” is off for this maintenance.',
    });
    expect(momentNotify({ ...on, notifyOnStart: false, notifyOnComplete: false }, 'cancelled', true)).toEqual({ checked: true });
  });

  it('sums up the moments that are emailed', () => {
    expect(emailSummary(on)).toBe('when scheduled, 60 minutes before, when it starts, when it completes; and if rescheduled or cancelled');
    expect(emailSummary({ ...on, notifyOnSchedule: false, notifyReminder: false })).toBe(
      'when it starts, when it completes; and if rescheduled or cancelled',
    );
    expect(emailSummary({ ...on, notifyOnSchedule: false, notifyReminder: false, notifyOnStart: false, notifyOnComplete: false })).toBe(
      'only if rescheduled or cancelled; and if rescheduled or cancelled',
    );
    expect(emailSummary({ ...on, notifySubscribers: false })).toBe('Off');
    expect(emailSummary({ ...on, backfilled: true })).toBe('Never (a backfill)');
  });
});
