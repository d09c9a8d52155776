import { describe, expect, it } from 'vitest';
import { rollUpStatus } from '../../src/lib/domain/rollup';
import { componentStatuses, type ComponentStatus } from '../../src/lib/domain/statuses';

const CRITICAL = { indicator: 'critical', description: 'Major System Outage' } as const;
const MAJOR = { indicator: 'major', description: 'Partial System Outage' } as const;
const MINOR_OUTAGE = { indicator: 'minor', description: 'Minor Service Outage' } as const;
const DEGRADED_ALL = { indicator: 'minor', description: 'Degraded System Service' } as const;
const DEGRADED_SOME = { indicator: 'minor', description: 'Partially Degraded Service' } as const;
const MAINTENANCE = { indicator: 'maintenance', description: 'Service Under Maintenance' } as const;
const NONE = { indicator: 'none', description: 'All Systems Operational' } as const;

describe('rollUpStatus', () => {
  describe('each rule of the contract', () => {
    it.each<[string, ComponentStatus[], { indicator: string; description: string }]>([
      ['1. every component major_outage -> critical', ['major_outage', 'major_outage', 'major_outage'], CRITICAL],
      ['2a. any major_outage -> major', ['operational', 'major_outage', 'operational'], MAJOR],
      ['2b. every component partial_outage -> major', ['partial_outage', 'partial_outage', 'partial_outage'], MAJOR],
      ['3. any partial_outage -> minor outage', ['operational', 'partial_outage', 'operational'], MINOR_OUTAGE],
      ['4. every component degraded_performance -> degraded system', ['degraded_performance', 'degraded_performance'], DEGRADED_ALL],
      ['5. any degraded_performance -> partially degraded', ['operational', 'degraded_performance'], DEGRADED_SOME],
      ['6. any under_maintenance -> maintenance', ['operational', 'under_maintenance'], MAINTENANCE],
      ['7. all operational -> none', ['operational', 'operational', 'operational'], NONE],
    ])('rule %s', (_rule, statuses, expected) => {
      expect(rollUpStatus(statuses)).toEqual(expected);
    });
  });

  it('an empty component list is "All Systems Operational" (the "every" rules need at least one component)', () => {
    expect(rollUpStatus([])).toEqual(NONE);
  });

  describe('a single component', () => {
    it.each<[ComponentStatus, { indicator: string; description: string }]>([
      ['major_outage', CRITICAL],
      ['partial_outage', MAJOR],
      ['degraded_performance', DEGRADED_ALL],
      ['under_maintenance', MAINTENANCE],
      ['operational', NONE],
    ])('a lone %s component rolls up to %o', (status, expected) => {
      expect(rollUpStatus([status])).toEqual(expected);
    });

    it('a lone partial_outage is "Partial System Outage" and a lone major_outage "Major System Outage"', () => {
      expect(rollUpStatus(['partial_outage']).description).toBe('Partial System Outage');
      expect(rollUpStatus(['major_outage']).description).toBe('Major System Outage');
    });
  });

  describe('precedence between rules (first match wins)', () => {
    it.each<[string, ComponentStatus[], { indicator: string; description: string }]>([
      ['major plus partial is not every-major, so rule 2 (major) not rule 1', ['major_outage', 'partial_outage'], MAJOR],
      ['major plus maintenance is not every-major, so rule 2', ['major_outage', 'under_maintenance'], MAJOR],
      [
        'one major among degraded components beats the degraded rules',
        ['degraded_performance', 'major_outage', 'degraded_performance'],
        MAJOR,
      ],
      ['all-partial (rule 2) beats any-partial (rule 3)', ['partial_outage', 'partial_outage'], MAJOR],
      ['partial plus degraded is rule 3, not the degraded rules', ['partial_outage', 'degraded_performance'], MINOR_OUTAGE],
      ['partial plus maintenance is rule 3, not maintenance', ['partial_outage', 'under_maintenance'], MINOR_OUTAGE],
      [
        'all-degraded (rule 4) beats any-degraded (rule 5)',
        ['degraded_performance', 'degraded_performance', 'degraded_performance'],
        DEGRADED_ALL,
      ],
      [
        'degraded plus maintenance is rule 5, not every-degraded nor maintenance',
        ['degraded_performance', 'under_maintenance'],
        DEGRADED_SOME,
      ],
      ['every component under maintenance is rule 6', ['under_maintenance', 'under_maintenance'], MAINTENANCE],
      ['one of each status falls to rule 2 (any major)', [...componentStatuses], MAJOR],
      [
        'partial, degraded, maintenance and operational together fall to rule 3',
        ['operational', 'degraded_performance', 'partial_outage', 'under_maintenance'],
        MINOR_OUTAGE,
      ],
    ])('%s', (_rule, statuses, expected) => {
      expect(rollUpStatus(statuses)).toEqual(expected);
    });
  });

  it('the result does not depend on the order of the components', () => {
    const statuses: ComponentStatus[] = ['under_maintenance', 'degraded_performance', 'operational', 'partial_outage'];
    const expected = rollUpStatus(statuses);
    expect(rollUpStatus([...statuses].reverse())).toEqual(expected);
    expect(rollUpStatus([statuses[2]!, statuses[0]!, statuses[3]!, statuses[1]!])).toEqual(expected);
  });

  it('does not modify the list it is given', () => {
    const statuses = Object.freeze<ComponentStatus[]>(['major_outage', 'operational']);
    expect(() => rollUpStatus(statuses)).not.toThrow();
    expect(statuses).toEqual(['major_outage', 'operational']);
  });
});
