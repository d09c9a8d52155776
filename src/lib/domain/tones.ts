import type { Indicator } from './rollup';
import type { ComponentStatus } from './statuses';

/** The visual family of a status: each has its own icon shape and colour. */
export type Tone = 'ok' | 'degraded' | 'partial' | 'major' | 'maintenance';

export function toneOfComponentStatus(status: ComponentStatus): Tone {
  return (
    {
      operational: 'ok',
      degraded_performance: 'degraded',
      partial_outage: 'partial',
      major_outage: 'major',
      under_maintenance: 'maintenance',
    } as const
  )[status];
}

export function toneOfIndicator(indicator: Indicator): Tone {
  return ({ none: 'ok', minor: 'degraded', major: 'partial', critical: 'major', maintenance: 'maintenance' } as const)[indicator];
}
