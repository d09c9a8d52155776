import type { ComponentStatus, Severity } from './statuses';
import { severities, severityLabels } from './statuses';

/**
 * The monitoring thresholds of the communication plan, as data: each signal staff can tick on
 * the declare form, and the severity it points to. The settings page shows this table.
 */
export const severitySignals = [
  { id: 'availability_below_99', label: 'API availability under 99 %', severity: 'critical' },
  { id: 'error_rate_above_1', label: 'Error rate over 1 %', severity: 'critical' },
  { id: 'response_time_above_2s', label: 'Response time over 2 s', severity: 'critical' },
  { id: 'database_connections_exhausted', label: 'Database connections exhausted', severity: 'critical' },
  { id: 'payment_failures', label: 'Payment processing failures', severity: 'critical' },
  { id: 'security_breach', label: 'Security breach', severity: 'critical' },
  { id: 'partial_error_rate_above_5', label: 'Error rate over 5 % on a part of the service', severity: 'high' },
  { id: 'cpu_above_80', label: 'CPU over 80 %', severity: 'medium' },
  { id: 'memory_above_85', label: 'Memory over 85 %', severity: 'medium' },
  { id: 'disk_above_90', label: 'Disk over 90 %', severity: 'medium' },
  { id: 'cache_hit_ratio_below_70', label: 'Cache hit ratio under 70 %', severity: 'medium' },
  { id: 'slow_queries_above_1s', label: 'Slow queries over 1 s', severity: 'medium' },
  { id: 'failed_logins_above_100_per_hour', label: 'Failed logins over 100 an hour', severity: 'medium' },
] as const satisfies readonly { id: string; label: string; severity: Severity }[];

export type SeveritySignalId = (typeof severitySignals)[number]['id'];
export const severitySignalIds = severitySignals.map((signal) => signal.id) as [SeveritySignalId, ...SeveritySignalId[]];

/** What an affected component's status says about severity. */
export const componentStatusSeverity: Record<ComponentStatus, { severity: Severity; label: string } | null> = {
  major_outage: { severity: 'critical', label: 'a component in major outage' },
  partial_outage: { severity: 'high', label: 'a component in partial outage' },
  degraded_performance: { severity: 'medium', label: 'degraded performance' },
  under_maintenance: null,
  operational: null,
};

export interface SeveritySuggestion {
  severity: Severity;
  /** Why, in words: "Critical: payment processing failures, a component in major outage". */
  reason: string;
}

const rank = (severity: Severity) => severities.length - severities.indexOf(severity);

/** A label as it reads inside a sentence: "Error rate…" → "error rate…"; acronyms ("API…", "CPU…") stay. */
const inSentence = (label: string) => label.replace(/^[A-Z](?![A-Z])/, (letter) => letter.toLowerCase());

/**
 * Suggests a severity from the ticked signals and the affected components' statuses: the most
 * severe one any of them points to; with none, Low (no customer-visible impact).
 */
export function classifySeverity(signals: readonly SeveritySignalId[], componentStatuses: readonly ComponentStatus[]): SeveritySuggestion {
  const causes: { severity: Severity; label: string }[] = [];
  for (const signal of severitySignals) {
    if (signals.includes(signal.id)) causes.push({ severity: signal.severity, label: inSentence(signal.label) });
  }
  for (const status of new Set(componentStatuses)) {
    const cause = componentStatusSeverity[status];
    if (cause) causes.push(cause);
  }
  if (causes.length === 0) return { severity: 'low', reason: 'Low: no customer-visible impact' };
  const severity = causes.reduce<Severity>((worst, cause) => (rank(cause.severity) > rank(worst) ? cause.severity : worst), 'low');
  const labels = causes.filter((cause) => cause.severity === severity).map((cause) => cause.label);
  return { severity, reason: `${severityLabels[severity]}: ${labels.join(', ')}` };
}
