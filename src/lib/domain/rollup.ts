import type { ComponentStatus } from './statuses';

export const indicators = ['none', 'minor', 'major', 'critical', 'maintenance'] as const;
export type Indicator = (typeof indicators)[number];

export interface PageStatus {
  indicator: Indicator;
  description: string;
}

/**
 * The page's rolled-up status from its component statuses (groups excluded), per the
 * Statuspage v2 contract: the first matching rule wins.
 */
export function rollUpStatus(statuses: readonly ComponentStatus[]): PageStatus {
  const every = (status: ComponentStatus) => statuses.length > 0 && statuses.every((s) => s === status);
  const any = (status: ComponentStatus) => statuses.includes(status);

  if (every('major_outage')) return { indicator: 'critical', description: 'Major System Outage' };
  if (any('major_outage') || every('partial_outage')) return { indicator: 'major', description: 'Partial System Outage' };
  if (any('partial_outage')) return { indicator: 'minor', description: 'Minor Service Outage' };
  if (every('degraded_performance')) return { indicator: 'minor', description: 'Degraded System Service' };
  if (any('degraded_performance')) return { indicator: 'minor', description: 'Partially Degraded Service' };
  if (any('under_maintenance')) return { indicator: 'maintenance', description: 'Service Under Maintenance' };
  return { indicator: 'none', description: 'All Systems Operational' };
}
