import { severitySignals, type SeveritySignalId } from './severity-classifier';
import { severityLabels } from './statuses';

/**
 * The communication plan's monitoring thresholds as data (issue 7): the annotations (else
 * labels) of an alert that carry a measurement, the unit it is written in, and the classifier
 * signal a value past each threshold trips. Intake reads alerts with this table and the intake
 * settings page explains it from the same table, so the two cannot drift apart.
 */

export type MeasurementUnit = 'percent' | 'seconds' | 'count';

interface UnitSpec {
  /** How the settings page names the unit. */
  name: string;
  /** How a value may be written, for the settings page. */
  examples: string;
  /** The suffixes a value may carry, each with its factor to the unit ('' for none). */
  factors: Record<string, number>;
}

const measurementUnits: Record<MeasurementUnit, UnitSpec> = {
  percent: { name: 'Percent', examples: '99.2 or 99.2%', factors: { '': 1, '%': 1 } },
  seconds: {
    name: 'Seconds',
    examples: '2.5, 2.5s, 2500ms or 1m',
    factors: { '': 1, s: 1, sec: 1, secs: 1, seconds: 1, ms: 0.001, m: 60, min: 60 },
  },
  count: { name: 'A count', examples: '250 or 1.2k', factors: { '': 1, k: 1_000 } },
};

/** Each measurement an alert may carry (its annotation or label name) and its unit, in the order the settings page lists them. */
const thresholdMetricUnits = {
  availability: 'percent',
  error_rate: 'percent',
  response_time: 'seconds',
  cpu: 'percent',
  memory: 'percent',
  disk: 'percent',
  cache_hit_ratio: 'percent',
  slow_query_time: 'seconds',
  failed_logins_per_hour: 'count',
} as const satisfies Record<string, MeasurementUnit>;

export type ThresholdMetric = keyof typeof thresholdMetricUnits;
export const thresholdMetrics = Object.keys(thresholdMetricUnits) as ThresholdMetric[];

export interface AlertThreshold {
  /** The annotation (else label) whose value is compared. */
  metric: ThresholdMetric;
  /** Strictly above or strictly below the threshold trips the signal. */
  comparison: 'above' | 'below';
  threshold: number;
  signal: SeveritySignalId;
}

/** The plan's thresholds; a metric may have several (an error rate over 5 % trips a second signal). */
export const alertThresholds: readonly AlertThreshold[] = [
  { metric: 'availability', comparison: 'below', threshold: 99, signal: 'availability_below_99' },
  { metric: 'error_rate', comparison: 'above', threshold: 1, signal: 'error_rate_above_1' },
  { metric: 'error_rate', comparison: 'above', threshold: 5, signal: 'partial_error_rate_above_5' },
  { metric: 'response_time', comparison: 'above', threshold: 2, signal: 'response_time_above_2s' },
  { metric: 'cpu', comparison: 'above', threshold: 80, signal: 'cpu_above_80' },
  { metric: 'memory', comparison: 'above', threshold: 85, signal: 'memory_above_85' },
  { metric: 'disk', comparison: 'above', threshold: 90, signal: 'disk_above_90' },
  { metric: 'cache_hit_ratio', comparison: 'below', threshold: 70, signal: 'cache_hit_ratio_below_70' },
  { metric: 'slow_query_time', comparison: 'above', threshold: 1, signal: 'slow_queries_above_1s' },
  { metric: 'failed_logins_per_hour', comparison: 'above', threshold: 100, signal: 'failed_logins_above_100_per_hour' },
];

export const isThresholdMetric = (name: string): name is ThresholdMetric => Object.hasOwn(thresholdMetricUnits, name);

/**
 * A measurement as an alert writes it ("12", "12%", "97.5 %", "0.5s", "2500ms", "1.2k"), in the
 * metric's unit (percent, seconds or a count); null when it cannot be read.
 */
export function parseMetricValue(metric: ThresholdMetric, raw: string): number | null {
  return parseMeasurement(thresholdMetricUnits[metric], raw);
}

/** A measurement in a unit ("97.5 %" in percent, "2500ms" in seconds); null when it cannot be read. */
export function parseMeasurement(unit: MeasurementUnit, raw: string): number | null {
  const match = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?)\s*([a-z%]*)$/i.exec(raw.trim());
  if (!match) return null;
  const factor = measurementUnits[unit].factors[(match[2] ?? '').toLowerCase()];
  if (factor === undefined) return null;
  const value = Number(match[1]) * factor;
  return Number.isFinite(value) ? value : null;
}

const signalById = Object.fromEntries(severitySignals.map((signal) => [signal.id, signal])) as Record<
  SeveritySignalId,
  (typeof severitySignals)[number]
>;

const trips = (threshold: AlertThreshold, value: number) =>
  threshold.comparison === 'above' ? value > threshold.threshold : value < threshold.threshold;

/** The signals one measurement trips. */
export function thresholdSignals(metric: ThresholdMetric, value: number): SeveritySignalId[] {
  return alertThresholds.filter((threshold) => threshold.metric === metric && trips(threshold, value)).map((threshold) => threshold.signal);
}

/** What the settings page says about one metric. */
export interface ThresholdMetricHelp {
  metric: ThresholdMetric;
  /** "Percent (99.2 or 99.2%); under 99 → API availability under 99 % (Critical)" */
  text: string;
}

/**
 * The settings page's line for each metric: its unit (with examples at the first metric of that
 * unit, the rest just name it) and what each of its thresholds trips, in the plan's words.
 */
export function thresholdMetricHelp(): ThresholdMetricHelp[] {
  const unitsShown = new Set<MeasurementUnit>();
  return thresholdMetrics.map((metric) => {
    const unitName = thresholdMetricUnits[metric];
    const unit = measurementUnits[unitName];
    const unitText = unitsShown.has(unitName) ? unit.name : `${unit.name} (${unit.examples})`;
    unitsShown.add(unitName);
    const tripText = alertThresholds
      .filter((threshold) => threshold.metric === metric)
      .map((threshold, index) => {
        const signal = signalById[threshold.signal];
        const when = `${threshold.comparison === 'above' ? 'over' : 'under'} ${threshold.threshold}${index > 0 ? ', also' : ''}`;
        return `${when} → ${signal.label} (${severityLabels[signal.severity]})`;
      });
    return { metric, text: `${unitText}; ${tripText.join('; ')}` };
  });
}
