import { describe, expect, it } from 'vitest';
import { alertThresholds, thresholdMetricHelp, thresholdMetrics, thresholdSignals } from '../../src/lib/domain/alert-thresholds';
import { severitySignals } from '../../src/lib/domain/severity-classifier';

describe('alert thresholds as data', () => {
  it('gives every metric at least one threshold, and every threshold a known metric', () => {
    for (const metric of thresholdMetrics) expect(alertThresholds.some((threshold) => threshold.metric === metric)).toBe(true);
    expect(new Set(alertThresholds.map((threshold) => threshold.signal)).size).toBe(alertThresholds.length);
  });

  it('matches each signal label of the plan ("CPU over 80 %" is over 80)', () => {
    for (const threshold of alertThresholds) {
      const signal = severitySignals.find((item) => item.id === threshold.signal);
      expect(signal?.label).toContain(`${threshold.comparison === 'above' ? 'over' : 'under'} ${threshold.threshold} `);
    }
  });

  it('trips a signal strictly past its threshold', () => {
    expect(thresholdSignals('disk', 90)).toEqual([]);
    expect(thresholdSignals('disk', 90.1)).toEqual(['disk_above_90']);
    expect(thresholdSignals('availability', 99)).toEqual([]);
    expect(thresholdSignals('availability', 98.9)).toEqual(['availability_below_99']);
    expect(thresholdSignals('error_rate', 3)).toEqual(['error_rate_above_1']);
    expect(thresholdSignals('error_rate', 6)).toEqual(['error_rate_above_1', 'partial_error_rate_above_5']);
  });
});

describe('the settings page explanation', () => {
  it('words each metric with its unit and what it trips', () => {
    expect(thresholdMetricHelp()).toEqual([
      { metric: 'availability', text: 'Percent (99.2 or 99.2%); under 99 → API availability under 99 % (Critical)' },
      {
        metric: 'error_rate',
        text: 'Percent; over 1 → Error rate over 1 % (Critical); over 5, also → Error rate over 5 % on a part of the service (High)',
      },
      { metric: 'response_time', text: 'Seconds (2.5, 2.5s, 2500ms or 1m); over 2 → Response time over 2 s (Critical)' },
      { metric: 'cpu', text: 'Percent; over 80 → CPU over 80 % (Medium)' },
      { metric: 'memory', text: 'Percent; over 85 → Memory over 85 % (Medium)' },
      { metric: 'disk', text: 'Percent; over 90 → Disk over 90 % (Medium)' },
      { metric: 'cache_hit_ratio', text: 'Percent; under 70 → Cache hit ratio under 70 % (Medium)' },
      { metric: 'slow_query_time', text: 'Seconds; over 1 → Slow queries over 1 s (Medium)' },
      { metric: 'failed_logins_per_hour', text: 'A count (250 or 1.2k); over 100 → Failed logins over 100 an hour (Medium)' },
    ]);
  });
});
