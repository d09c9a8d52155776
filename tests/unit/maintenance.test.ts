/**
 * The pure rules of scheduled maintenance: which actions each status allows, when a window may
 * take a component over, the status a component returns to at the end, which moments are
 * emailed, and when the reminder is due. (Recurrence expansion: tests/unit/recurrence.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import {
  allowsAction,
  emailsMoment,
  isMaintenanceActive,
  isMaintenanceFinished,
  MAINTENANCE_REMINDER_MS,
  maintenanceActions,
  maintenanceMayTakeOver,
  maintenanceStatuses,
  reminderDueAt,
  reminderOccasion,
  reminderStartOf,
  startsInLabel,
  statusAfterMaintenance,
  type MaintenanceAction,
  type MaintenanceMoment,
  type MaintenanceNotifySwitches,
  type MaintenanceStatus,
  type StatusHolder,
} from '../../src/lib/domain/maintenance';
import { componentStatuses } from '../../src/lib/domain/statuses';

const manual: StatusHolder = { kind: 'manual' };
const openIncident: StatusHolder = { kind: 'incident', open: true };
const resolvedIncident: StatusHolder = { kind: 'incident', open: false };
const activeMaintenance: StatusHolder = { kind: 'maintenance', active: true };
const finishedMaintenance: StatusHolder = { kind: 'maintenance', active: false };

describe('statusAfterMaintenance', () => {
  it('leaves a component alone when someone else changed it during the window, whatever held it before', () => {
    for (const heldBefore of [manual, openIncident, resolvedIncident, activeMaintenance, finishedMaintenance]) {
      for (const statusBefore of componentStatuses) {
        expect(statusAfterMaintenance({ statusBefore, currentSetByThisMaintenance: false, heldBefore })).toBeNull();
      }
    }
  });

  it('returns to the status before when an incident that set it is still open', () => {
    expect(
      statusAfterMaintenance({ statusBefore: 'degraded_performance', currentSetByThisMaintenance: true, heldBefore: openIncident }),
    ).toBe('degraded_performance');
    expect(statusAfterMaintenance({ statusBefore: 'partial_outage', currentSetByThisMaintenance: true, heldBefore: openIncident })).toBe(
      'partial_outage',
    );
  });

  it('returns to operational when the incident that set the status before was resolved meanwhile', () => {
    for (const statusBefore of ['degraded_performance', 'partial_outage', 'major_outage'] as const) {
      expect(statusAfterMaintenance({ statusBefore, currentSetByThisMaintenance: true, heldBefore: resolvedIncident })).toBe('operational');
    }
  });

  it('returns to the status staff set by hand before the window', () => {
    for (const statusBefore of componentStatuses) {
      expect(statusAfterMaintenance({ statusBefore, currentSetByThisMaintenance: true, heldBefore: manual })).toBe(statusBefore);
    }
  });

  it('returns to under_maintenance while another maintenance that held it is still active', () => {
    expect(
      statusAfterMaintenance({ statusBefore: 'under_maintenance', currentSetByThisMaintenance: true, heldBefore: activeMaintenance }),
    ).toBe('under_maintenance');
  });

  it('returns to operational when another maintenance that held it has finished meanwhile', () => {
    expect(
      statusAfterMaintenance({ statusBefore: 'under_maintenance', currentSetByThisMaintenance: true, heldBefore: finishedMaintenance }),
    ).toBe('operational');
  });
});

describe('maintenanceMayTakeOver', () => {
  it('takes over a component that is operational, or set by hand to any status but under_maintenance', () => {
    expect(maintenanceMayTakeOver({ status: 'operational', heldBy: manual })).toBe(true);
    expect(maintenanceMayTakeOver({ status: 'degraded_performance', heldBy: manual })).toBe(true);
    expect(maintenanceMayTakeOver({ status: 'major_outage', heldBy: manual })).toBe(true);
  });

  it('never hides an outage that an open incident holds', () => {
    for (const status of ['degraded_performance', 'partial_outage', 'major_outage'] as const) {
      expect(maintenanceMayTakeOver({ status, heldBy: openIncident })).toBe(false);
    }
  });

  it('takes over a component an open incident left operational, or one whose incident is resolved', () => {
    expect(maintenanceMayTakeOver({ status: 'operational', heldBy: openIncident })).toBe(true);
    expect(maintenanceMayTakeOver({ status: 'degraded_performance', heldBy: resolvedIncident })).toBe(true);
  });

  it('does not take over a component already under maintenance, by hand or by another window', () => {
    expect(maintenanceMayTakeOver({ status: 'under_maintenance', heldBy: manual })).toBe(false);
    expect(maintenanceMayTakeOver({ status: 'under_maintenance', heldBy: activeMaintenance })).toBe(false);
    expect(maintenanceMayTakeOver({ status: 'under_maintenance', heldBy: finishedMaintenance })).toBe(false);
  });

  it('takes over from a maintenance that has finished (a status it left behind)', () => {
    expect(maintenanceMayTakeOver({ status: 'operational', heldBy: finishedMaintenance })).toBe(true);
  });
});

describe('emailsMoment', () => {
  const allOn: MaintenanceNotifySwitches = {
    notifySubscribers: true,
    notifyOnSchedule: true,
    notifyReminder: true,
    notifyOnStart: true,
    notifyOnComplete: true,
    backfilled: false,
  };
  const moments: MaintenanceMoment[] = ['scheduled', 'reminder', 'started', 'completed', 'rescheduled', 'cancelled'];

  it('emails every moment when every switch is on', () => {
    for (const moment of moments) expect(emailsMoment(allOn, moment)).toBe(true);
  });

  it('emails nothing for a backfill, even with every switch on', () => {
    for (const moment of moments) expect(emailsMoment({ ...allOn, backfilled: true }, moment)).toBe(false);
  });

  it('emails nothing when the master switch is off', () => {
    for (const moment of moments) expect(emailsMoment({ ...allOn, notifySubscribers: false }, moment)).toBe(false);
  });

  it.each([
    ['notifyOnSchedule', 'scheduled'],
    ['notifyReminder', 'reminder'],
    ['notifyOnStart', 'started'],
    ['notifyOnComplete', 'completed'],
  ] as const)('turning %s off stops the %s email and no other', (switchName, moment) => {
    const switches = { ...allOn, [switchName]: false };
    for (const other of moments) expect(emailsMoment(switches, other)).toBe(other !== moment);
  });

  it('emails a reschedule and a cancellation on the master switch alone', () => {
    const onlyMaster = { ...allOn, notifyOnSchedule: false, notifyReminder: false, notifyOnStart: false, notifyOnComplete: false };
    expect(emailsMoment(onlyMaster, 'rescheduled')).toBe(true);
    expect(emailsMoment(onlyMaster, 'cancelled')).toBe(true);
    expect(emailsMoment(onlyMaster, 'scheduled')).toBe(false);
    expect(emailsMoment(onlyMaster, 'reminder')).toBe(false);
    expect(emailsMoment(onlyMaster, 'started')).toBe(false);
    expect(emailsMoment(onlyMaster, 'completed')).toBe(false);
  });
});

describe('reminderDueAt', () => {
  const start = new Date('2026-11-24T02:00:00.000Z');

  it('is 60 minutes before the start', () => {
    expect(MAINTENANCE_REMINDER_MS).toBe(60 * 60_000);
    expect(reminderDueAt(start, new Date('2026-11-20T09:00:00.000Z'))).toEqual(new Date('2026-11-24T01:00:00.000Z'));
    expect(reminderDueAt(start, new Date('2026-11-24T00:59:59.999Z'))).toEqual(new Date('2026-11-24T01:00:00.000Z'));
  });

  it('is null when the start is 60 minutes away or less', () => {
    expect(reminderDueAt(start, new Date('2026-11-24T01:00:00.000Z'))).toBeNull();
    expect(reminderDueAt(start, new Date('2026-11-24T01:30:00.000Z'))).toBeNull();
    expect(reminderDueAt(start, start)).toBeNull();
    expect(reminderDueAt(start, new Date('2026-11-24T03:00:00.000Z'))).toBeNull();
  });
});

describe('the actions each status allows', () => {
  const table: Record<MaintenanceStatus, MaintenanceAction[]> = {
    // `edit` covers title, description and switches; its times and components move only while scheduled.
    scheduled: ['edit', 'start', 'cancel', 'post'],
    in_progress: ['edit', 'extend', 'verify', 'complete', 'cancel', 'post'],
    verifying: ['edit', 'extend', 'complete', 'cancel', 'post'],
    completed: [],
    cancelled: [],
  };
  const actions = Object.keys(maintenanceActions) as MaintenanceAction[];

  it.each(maintenanceStatuses.map((status) => [status] as const))('%s allows exactly its actions', (status) => {
    expect(actions.filter((action) => allowsAction(status, action)).sort()).toEqual([...table[status]].sort());
  });

  it('covers every action', () => {
    expect(actions.sort()).toEqual(['cancel', 'complete', 'edit', 'extend', 'post', 'start', 'verify']);
  });

  it('knows which statuses are active and which finished', () => {
    const active = maintenanceStatuses.filter(isMaintenanceActive);
    const finished = maintenanceStatuses.filter(isMaintenanceFinished);
    expect(active).toEqual(['in_progress', 'verifying']);
    expect(finished).toEqual(['completed', 'cancelled']);
  });
});

describe('reminder occasions', () => {
  it('name the start they remind of, and read it back', () => {
    const start = new Date('2026-11-24T01:00:00Z');
    expect(reminderOccasion(start)).toBe('reminder:2026-11-24T01:00:00.000Z');
    expect(reminderStartOf(reminderOccasion(start))?.toISOString()).toBe(start.toISOString());
  });

  it('are told apart from other occasions', () => {
    expect(reminderStartOf('started:abc123')).toBeUndefined();
    expect(reminderStartOf('reminder:not-a-date')).toBeUndefined();
  });
});

describe('startsInLabel', () => {
  const now = new Date('2026-03-01T10:00:00Z');
  const inMinutes = (minutes: number) => startsInLabel(new Date(now.getTime() + minutes * 60_000), now);

  it('says how far off the start is, coarser as it gets further', () => {
    expect(inMinutes(45)).toBe('Starts in 45 min');
    expect(inMinutes(200)).toBe('Starts in 3 h 20 min');
    expect(inMinutes(180)).toBe('Starts in 3 h');
    expect(inMinutes(7 * 60 + 30)).toBe('Starts in 7 h');
    expect(inMinutes(52 * 60)).toBe('Starts in 2 d 4 h');
    expect(inMinutes(48 * 60)).toBe('Starts in 2 d');
  });

  it('says "Starting shortly" once the start is due', () => {
    expect(inMinutes(0)).toBe('Starting shortly');
    expect(inMinutes(-5)).toBe('Starting shortly');
  });
});
