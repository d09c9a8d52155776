import { describe, expect, it } from 'vitest';
import { defaultCommunicationPolicy } from '../../src/lib/domain/communication-policy';
import { nextUpdateStep, postmortemStep, teamAlertStepState } from '../../src/lib/domain/plan-steps';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const start = new Date('2026-03-01T12:00:00.000Z');
const at = (milliseconds: number) => new Date(start.getTime() + milliseconds);

describe('nextUpdateStep', () => {
  const open = { open: true, severity: 'high' as const, startedAt: start, resolvedAt: null };
  const latest = { postedAt: start, nextUpdateBy: null };

  it('owes the next update one cadence after the last, and is pending until then', () => {
    expect(nextUpdateStep(defaultCommunicationPolicy, open, latest, at(29 * MINUTE))).toEqual({
      state: 'pending',
      dueAt: at(30 * MINUTE),
      promised: false,
      lastPublicUpdateAt: start,
      cadence: 'every 30 min',
    });
  });

  it('owes it by the time the latest update promised, when it promised one', () => {
    const promised = { postedAt: start, nextUpdateBy: at(45 * MINUTE) };
    expect(nextUpdateStep(defaultCommunicationPolicy, open, promised, at(40 * MINUTE))).toMatchObject({
      state: 'pending',
      dueAt: at(45 * MINUTE),
      promised: true,
    });
    expect(nextUpdateStep(defaultCommunicationPolicy, { ...open, severity: 'low' }, promised, at(45 * MINUTE))).toMatchObject({
      state: 'overdue',
      cadence: 'no update cadence',
    });
  });

  it('is overdue from the due moment itself', () => {
    expect(nextUpdateStep(defaultCommunicationPolicy, open, latest, at(30 * MINUTE)).state).toBe('overdue');
    expect(nextUpdateStep(defaultCommunicationPolicy, { ...open, severity: 'medium' }, latest, at(45 * MINUTE)).state).toBe('pending');
  });

  it('owes nothing for a severity without cadence when nothing was promised', () => {
    expect(nextUpdateStep(defaultCommunicationPolicy, { ...open, severity: 'low' }, latest, at(5 * HOUR))).toEqual({
      state: 'not_required',
      severity: 'low',
      cadence: 'no update cadence',
    });
  });

  it('is done once the incident is closed, with when it closed', () => {
    expect(nextUpdateStep(defaultCommunicationPolicy, { ...open, open: false, resolvedAt: at(HOUR) }, latest, at(5 * HOUR))).toEqual({
      state: 'done',
      closedAt: at(HOUR),
    });
  });
});

describe('postmortemStep', () => {
  const resolved = { severity: 'critical' as const, open: false, resolvedAt: start, postmortemPublishedAt: null };

  it('is not required for a severity the plan leaves out', () => {
    expect(postmortemStep(defaultCommunicationPolicy, { ...resolved, severity: 'low' }, start)).toEqual({
      state: 'not_required',
      severity: 'low',
    });
  });

  it('waits for the resolution while the incident is open, naming the window', () => {
    expect(postmortemStep(defaultCommunicationPolicy, { ...resolved, open: true, resolvedAt: null }, start)).toEqual({
      state: 'pending',
      reason: 'after_resolution',
      windowHours: 24,
    });
  });

  it('is due the window after resolution, and overdue from then', () => {
    expect(postmortemStep(defaultCommunicationPolicy, resolved, at(23 * HOUR))).toEqual({
      state: 'pending',
      reason: 'due',
      dueAt: at(24 * HOUR),
    });
    expect(postmortemStep(defaultCommunicationPolicy, resolved, at(24 * HOUR)).state).toBe('overdue');
  });

  it('is done once published, even for a severity that did not owe one', () => {
    const published = { ...resolved, severity: 'low' as const, postmortemPublishedAt: at(2 * HOUR) };
    expect(postmortemStep(defaultCommunicationPolicy, published, at(48 * HOUR))).toEqual({
      state: 'done',
      reason: 'published',
      publishedAt: at(2 * HOUR),
    });
  });
});

describe('teamAlertStepState', () => {
  const none = { recorded: 0, sent: 0, waiting: 0 };

  it('is pending for the first minute after declaration, then overdue', () => {
    expect(teamAlertStepState(none, 2, start, at(MINUTE))).toBe('pending');
    expect(teamAlertStepState(none, 2, start, at(MINUTE + 1))).toBe('overdue');
  });

  it('is skipped when nobody is on the plan for the severity', () => {
    expect(teamAlertStepState(none, 0, start, at(HOUR))).toBe('skipped');
  });

  it('is failed when every message failed, pending while some wait, done once one is sent', () => {
    expect(teamAlertStepState({ recorded: 2, sent: 0, waiting: 0 }, 1, start, start)).toBe('failed');
    expect(teamAlertStepState({ recorded: 2, sent: 0, waiting: 1 }, 1, start, start)).toBe('pending');
    expect(teamAlertStepState({ recorded: 2, sent: 1, waiting: 0 }, 1, start, start)).toBe('done');
  });
});
