/**
 * Where one step of the communication plan stands, in words the checklist prints next to an
 * icon: done, still to come, late, deliberately not done, held back by staff, not owed, or failed.
 */
export type PlanStepState = 'done' | 'pending' | 'overdue' | 'skipped' | 'held' | 'not_required' | 'failed';

export const planStepStateLabels: Record<PlanStepState, string> = {
  done: 'Done',
  pending: 'Pending',
  overdue: 'Overdue',
  skipped: 'Skipped',
  held: 'Held',
  not_required: 'Not required',
  failed: 'Failed',
};
