import type { NormalisedAlert } from './alert-intake';
import { isThresholdMetric, parseMetricValue, thresholdMetrics, thresholdSignals } from './alert-thresholds';
import { severitySignalIds, severitySignals, type SeveritySignalId } from './severity-classifier';
import { severities, type ComponentStatus, type Severity } from './statuses';

/**
 * What one alert says (issue 7): the classifier signals it carries (`herald_signals`, threshold
 * measurements, Grafana's `herald_metric`), the severity its `severity` label stands for, and the
 * status its components take.
 */

const isSignalId = (id: string): id is SeveritySignalId => (severitySignalIds as readonly string[]).includes(id);

/** An annotation, else a label, of that name (annotations are where alert rules put measurements). */
function annotationOrLabel(alert: Pick<NormalisedAlert, 'labels' | 'annotations'>, name: string): string | undefined {
  return alert.annotations[name] ?? alert.labels[name];
}

export interface AlertSignals {
  signals: SeveritySignalId[];
  /** What could not be read, for the intake log ("unknown signal "foo" in herald_signals"). */
  notes: string[];
}

/**
 * The classifier signals an alert carries: ids listed in `herald_signals` (label or annotation),
 * measurements named after a threshold metric, and for Grafana a `herald_metric` annotation that
 * names the metric its single entry in `values` measures ("error_rate"), or which entry
 * ("error_rate:B") when the rule has several.
 */
export function alertSignals(alert: Pick<NormalisedAlert, 'labels' | 'annotations' | 'values'>): AlertSignals {
  const found = new Set<SeveritySignalId>();
  const notes: string[] = [];
  for (const source of [alert.labels.herald_signals, alert.annotations.herald_signals]) {
    if (!source) continue;
    for (const id of source
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean)) {
      if (isSignalId(id)) found.add(id);
      else notes.push(`unknown signal "${id}" in herald_signals`);
    }
  }
  for (const metric of thresholdMetrics) {
    const raw = annotationOrLabel(alert, metric);
    if (raw === undefined || raw.trim() === '') continue;
    const value = parseMetricValue(metric, raw);
    if (value === null) notes.push(`could not read ${metric} "${raw}"`);
    else thresholdSignals(metric, value).forEach((id) => found.add(id));
  }
  const pointer = annotationOrLabel(alert, 'herald_metric')?.trim();
  if (pointer) {
    const [metric = '', ref] = pointer.split(/\s*[:=]\s*/, 2);
    const entries = Object.entries(alert.values ?? {});
    if (!isThresholdMetric(metric)) notes.push(`herald_metric "${pointer}" names no known metric (${thresholdMetrics.join(', ')})`);
    else if (ref !== undefined) {
      const value = alert.values?.[ref];
      if (value === undefined) notes.push(`herald_metric "${pointer}": the alert has no value "${ref}"`);
      else thresholdSignals(metric, value).forEach((id) => found.add(id));
    } else {
      const [only] = entries;
      if (entries.length !== 1 || !only)
        notes.push(`herald_metric "${pointer}": the alert has ${entries.length} values; name one ("${metric}:${only?.[0] ?? 'A'}")`);
      else thresholdSignals(metric, only[1]).forEach((id) => found.add(id));
    }
  }
  // In the plan's order, so reasons read the same whatever order the alert listed them in.
  return { signals: severitySignalIds.filter((id) => found.has(id)), notes };
}

/** The values of the Alertmanager convention's `severity` label, by the Herald severity each reads as (any case). */
export const severityLabelValues: Record<Severity, readonly string[]> = {
  critical: ['critical'],
  high: ['error', 'high', 'page'],
  medium: ['warning'],
  low: ['info', 'none'],
};

/** The `severity` label, read as a Herald severity; null when it is missing or unknown. */
export function severityFromLabel(value: string | undefined): Severity | null {
  const wanted = value?.trim().toLowerCase();
  if (!wanted) return null;
  return severities.find((severity) => severityLabelValues[severity].includes(wanted)) ?? null;
}

/** The component status an alert's severity stands for. */
export function componentStatusForSeverity(severity: Severity): ComponentStatus {
  return severity === 'critical' ? 'major_outage' : severity === 'high' ? 'partial_outage' : 'degraded_performance';
}

/** The statuses a `component_status` label may ask for: an alert never means operational or maintenance. */
export const alertComponentStatuses = [
  'degraded_performance',
  'partial_outage',
  'major_outage',
] as const satisfies readonly ComponentStatus[];

const rank = (severity: Severity) => severities.length - severities.indexOf(severity);

/** The worst of some severities; null for none. */
function worstSeverity(list: readonly Severity[]): Severity | null {
  return list.reduce<Severity | null>((worst, item) => (worst === null || rank(item) > rank(worst) ? item : worst), null);
}

/** True when `a` is more severe than `b`. */
export const isMoreSevere = (a: Severity, b: Severity) => rank(a) > rank(b);

export interface AlertAssessment {
  signals: SeveritySignalId[];
  /** The severity the alert itself points to: its signals' worst, else its `severity` label; null for neither. */
  severity: Severity | null;
  severitySource: 'signals' | 'severity_label' | 'none';
  /** The status its components take: a valid `component_status` label, else from the severity (Medium without one). */
  componentStatus: ComponentStatus;
  notes: string[];
}

const isAlertComponentStatus = (value: string): value is (typeof alertComponentStatuses)[number] =>
  (alertComponentStatuses as readonly string[]).includes(value);

/** What one firing alert says about severity and component status. */
export function assessAlert(alert: Pick<NormalisedAlert, 'labels' | 'annotations' | 'values'>): AlertAssessment {
  const { signals, notes } = alertSignals(alert);
  let severity: Severity | null;
  let severitySource: AlertAssessment['severitySource'] = 'none';
  if (signals.length > 0) {
    severity = worstSeverity(severitySignals.filter((signal) => signals.includes(signal.id)).map((signal) => signal.severity));
    severitySource = 'signals';
  } else {
    severity = severityFromLabel(alert.labels.severity);
    if (severity) severitySource = 'severity_label';
    else if (alert.labels.severity) notes.push(`unknown severity "${alert.labels.severity}"`);
  }
  const requested = alert.labels.component_status?.trim();
  let componentStatus: ComponentStatus;
  if (requested && isAlertComponentStatus(requested)) componentStatus = requested;
  else {
    if (requested) notes.push(`component_status "${requested}" is not one of ${alertComponentStatuses.join(', ')}`);
    componentStatus = componentStatusForSeverity(severity ?? 'medium');
  }
  return { signals, severity, severitySource, componentStatus, notes };
}
