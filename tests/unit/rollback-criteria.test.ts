import { describe, expect, it } from 'vitest';
import { rollbackStep } from '../../src/lib/domain/plan-steps';
import {
  addCriteria,
  alertRollbackCriteria,
  criteriaLabels,
  criteriaOccasion,
  criterionIdFromLabel,
  defaultRollbackCriteria,
  editRollbackCriteria,
  storedRollbackCriteria,
  unknownCriteria,
} from '../../src/lib/domain/rollback-criteria';

const alert = (annotations: Record<string, string>, labels: Record<string, string> = {}) => ({ labels, annotations });

describe('the rollback criteria list', () => {
  it('holds the launch checklist by default, and reads a broken or partial stored list safely', () => {
    expect(defaultRollbackCriteria.map((item) => item.id)).toEqual([
      'critical_functionality_broken',
      'data_corruption_detected',
      'security_vulnerability_discovered',
      'payment_processing_failed',
      'database_migration_failed',
      'performance_degradation',
      'error_rate',
    ]);
    expect(storedRollbackCriteria(undefined)).toEqual(defaultRollbackCriteria);
    expect(storedRollbackCriteria([{ id: 'Bad Id', label: 'x' }])).toEqual(defaultRollbackCriteria);
    // A stored list missing a measured criterion gets it back: intake must always be able to tick it.
    expect(storedRollbackCriteria([{ id: 'checkout_down', label: 'Checkout down' }]).map((item) => item.id)).toEqual([
      'checkout_down',
      'performance_degradation',
      'error_rate',
    ]);
  });

  it('renames, adds (an id from the label, never one taken) and removes, but keeps the measured ones', () => {
    const edited = editRollbackCriteria(defaultRollbackCriteria, [
      { id: 'error_rate', label: 'Errors over 5 %' },
      { id: 'performance_degradation', label: 'Latency doubled' },
      { label: 'Checkout down!' },
      { label: 'Error rate' },
    ]);
    expect(edited).toEqual({
      ok: true,
      criteria: [
        { id: 'error_rate', label: 'Errors over 5 %' },
        { id: 'performance_degradation', label: 'Latency doubled' },
        { id: 'checkout_down', label: 'Checkout down!' },
        { id: 'error_rate_2', label: 'Error rate' },
      ],
    });
    expect(criterionIdFromLabel('¡¡¡', new Set())).toBe('criterion');
    expect(criterionIdFromLabel('Café crashed', new Set(['cafe_crashed', 'cafe_crashed_2']))).toBe('cafe_crashed_3');

    const refused = editRollbackCriteria(defaultRollbackCriteria, [
      { id: 'payment_processing_failed', label: 'Payments' },
      { id: 'payment_processing_failed', label: 'Payments again' },
      { id: 'nope', label: 'Unknown' },
      { label: 'payments' },
    ]);
    expect(refused).toEqual({
      ok: false,
      errors: {
        'criteria.1.id': 'This criterion is listed twice.',
        'criteria.2.id': 'There is no rollback criterion “nope”.',
        'criteria.3.label': 'Another criterion already has this label.',
        criteria:
          '“Performance degradation over 50 %” and “Error rate over 5 %” cannot be removed: alert intake ticks them from annotations. Rename instead.',
      },
    });
  });

  it('only adds up on an incident, names each met set once, and labels removed criteria by id', () => {
    expect(addCriteria(['error_rate'], ['data_corruption_detected', 'error_rate', 'data_corruption_detected'])).toEqual({
      met: ['error_rate', 'data_corruption_detected'],
      added: ['data_corruption_detected'],
    });
    expect(addCriteria(['error_rate'], ['error_rate'])).toEqual({ met: ['error_rate'], added: [] });
    expect(criteriaOccasion(['error_rate', 'data_corruption_detected'])).toBe(criteriaOccasion(['data_corruption_detected', 'error_rate']));
    expect(unknownCriteria(defaultRollbackCriteria, ['error_rate', 'made_up'])).toEqual(['made_up']);
    expect(criteriaLabels(defaultRollbackCriteria, ['error_rate', 'gone'])).toEqual(['Error rate over 5 %', 'gone']);
  });
});

describe('rollback criteria from alerts', () => {
  it('ticks error_rate over 5 and latency_degradation over 50 (percent), from annotations, else labels', () => {
    expect(alertRollbackCriteria([alert({ error_rate: '5' }), alert({ latency_degradation: '50 %' })])).toEqual({
      criteria: [],
      notes: [],
    });
    expect(alertRollbackCriteria([alert({ error_rate: '5.1%' })])).toEqual({ criteria: ['error_rate'], notes: [] });
    expect(alertRollbackCriteria([alert({}, { latency_degradation: '72' }), alert({ error_rate: '12' })])).toEqual({
      criteria: ['error_rate', 'performance_degradation'],
      notes: [],
    });
    // The annotation wins over the label; an unreadable error rate is noted by the severity signals already.
    expect(alertRollbackCriteria([alert({ error_rate: '2' }, { error_rate: '9' })]).criteria).toEqual([]);
    expect(alertRollbackCriteria([alert({ error_rate: 'lots', latency_degradation: 'slow' })])).toEqual({
      criteria: [],
      notes: ['could not read latency_degradation "slow"'],
    });
  });
});

describe('the "Consider rollback" step', () => {
  it('is not shown without criteria, pending until a decision, then done with it', () => {
    const undecided = { decision: null, reason: null, decidedAt: null, decidedBy: null };
    expect(rollbackStep([], undecided)).toBeNull();
    expect(rollbackStep(['Error rate over 5 %'], undecided)).toEqual({ state: 'pending', criteria: ['Error rate over 5 %'] });
    const decidedAt = new Date('2026-03-01T12:10:00Z');
    expect(rollbackStep(['Error rate over 5 %'], { decision: 'declined', reason: 'Fix is faster.', decidedAt, decidedBy: 'Ada' })).toEqual({
      state: 'done',
      criteria: ['Error rate over 5 %'],
      decision: 'declined',
      reason: 'Fix is faster.',
      decidedAt,
      decidedBy: 'Ada',
    });
  });
});
