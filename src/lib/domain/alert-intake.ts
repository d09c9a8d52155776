import { z } from 'zod';
import { severitySignalIds, severitySignals, type SeveritySignalId } from './severity-classifier';
import { severities, type ComponentStatus, type Severity } from './statuses';
import { formatUtc } from './time-format';

/**
 * Alert intake, the pure part (issue 7): the webhook payloads of Prometheus Alertmanager and
 * Grafana alerting, one normalised shape for both, the severity signals an alert carries, and
 * the public text written for it. Nothing here touches the database.
 */

export const alertSources = ['alertmanager', 'grafana'] as const;
export type AlertSource = (typeof alertSources)[number];
export const alertSourceLabels: Record<AlertSource, string> = { alertmanager: 'Alertmanager', grafana: 'Grafana' };

export const alertStatuses = ['firing', 'resolved'] as const;
export type AlertStatus = (typeof alertStatuses)[number];

/** More alerts than this in one call is not a real alert group. */
export const MAX_ALERTS_PER_CALL = 5_000;

/* ------------------------------------------------------------------------------------------ */
/* Payload schemas                                                                             */
/* ------------------------------------------------------------------------------------------ */

const missingOr = (message: string) => (issue: { input: unknown }) => (issue.input === undefined ? 'Required.' : message);

const alertStatus = z.enum(alertStatuses, { error: missingOr('Expected "firing" or "resolved".') });
/** Labels and annotations: a map of strings (Prometheus has no other label type). */
const stringMap = z.record(z.string(), z.string({ error: 'Expected a string value.' }), { error: missingOr('Expected an object of string values.') });
const optionalString = z.string().nullish();
const timestamp = z
  .string({ error: missingOr('Expected an RFC 3339 timestamp.') })
  .refine((value) => /^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(Date.parse(value)), 'Expected an RFC 3339 timestamp.');

const alertmanagerAlert = z.object({
  status: alertStatus,
  labels: stringMap,
  annotations: stringMap.default({}),
  startsAt: timestamp,
  endsAt: optionalString,
  generatorURL: optionalString,
  fingerprint: optionalString,
});

const groupFields = {
  version: optionalString,
  receiver: optionalString,
  status: alertStatus,
  groupLabels: stringMap.nullish(),
  commonLabels: stringMap.nullish(),
  commonAnnotations: stringMap.nullish(),
  externalURL: optionalString,
  groupKey: z.string({ error: missingOr('Expected a string.') }).min(1, 'Required.'),
  truncatedAlerts: z.number().int().min(0).nullish(),
};

const alertList = <Alert extends z.ZodType>(alert: Alert) =>
  z
    .array(alert, { error: missingOr('Expected a list of alerts.') })
    .min(1, 'The payload holds no alerts.')
    .max(MAX_ALERTS_PER_CALL, `At most ${MAX_ALERTS_PER_CALL} alerts per call.`);

/** The Alertmanager webhook (payload version 4). Unknown extra fields are accepted and dropped. */
export const alertmanagerPayloadSchema = z.object({ ...groupFields, alerts: alertList(alertmanagerAlert) });

/** Grafana alerting's webhook: the Alertmanager shape plus Grafana's own fields. */
export const grafanaPayloadSchema = z.object({
  ...groupFields,
  alerts: alertList(
    alertmanagerAlert.extend({
      /** The values of the rule's expressions by reference id ({ "B": 44.2, "C": 1 }); null when there are none. */
      values: z.record(z.string(), z.number({ error: 'Expected a number.' })).nullish(),
      valueString: optionalString,
      silenceURL: optionalString,
      dashboardURL: optionalString,
      panelURL: optionalString,
      imageURL: optionalString,
    }),
  ),
  orgId: z.number().nullish(),
  title: optionalString,
  state: optionalString,
  message: optionalString,
});

export type AlertmanagerPayload = z.output<typeof alertmanagerPayloadSchema>;
export type GrafanaPayload = z.output<typeof grafanaPayloadSchema>;

export const alertPayloadSchemas = { alertmanager: alertmanagerPayloadSchema, grafana: grafanaPayloadSchema } as const;

/* ------------------------------------------------------------------------------------------ */
/* Normalised shape                                                                            */
/* ------------------------------------------------------------------------------------------ */

export interface NormalisedAlert {
  /** Its position in the payload's `alerts`, for error paths ("alerts.0.labels.component"). */
  index: number;
  fingerprint: string;
  status: AlertStatus;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Grafana only: the rule's expression values by reference id. */
  values?: Record<string, number>;
  startsAt: Date;
  /** Links into the monitoring system: for the admin-only intake log, never for public text. */
  links: Record<string, string>;
}

export interface NormalisedAlertGroup {
  source: AlertSource;
  groupKey: string;
  status: AlertStatus;
  alerts: NormalisedAlert[];
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  /** Alerts the sender left out of the payload (Alertmanager's max_alerts). */
  truncatedAlerts: number;
}

/**
 * A stable fingerprint of a label set, for alerts sent without one: FNV-1a (64 bit) over the
 * labels sorted by name, each name and value followed by a 0xff separator, as 16 hex digits.
 */
export function labelFingerprint(labels: Record<string, string>): string {
  const encoder = new TextEncoder();
  const separator = new Uint8Array([0xff]);
  const parts: Uint8Array[] = [];
  for (const name of Object.keys(labels).sort()) parts.push(encoder.encode(name), separator, encoder.encode(labels[name]!), separator);
  return fnv1a64(parts);
}

function fnv1a64(parts: readonly Uint8Array[]): string {
  const prime = 0x100000001b3n;
  const mask = 0xffffffffffffffffn;
  let hash = 0xcbf29ce484222325n;
  for (const bytes of parts) {
    for (const byte of bytes) hash = ((hash ^ BigInt(byte)) * prime) & mask;
  }
  return hash.toString(16).padStart(16, '0');
}

/** Group keys longer than this are shortened (with a hash of the whole) to fit the link index. */
export const GROUP_KEY_MAX = 1_000;

/** A group key as stored: itself, or when very long its start and a hash of all of it. */
export function storedGroupKey(groupKey: string): string {
  if (groupKey.length <= GROUP_KEY_MAX) return groupKey;
  return `${groupKey.slice(0, GROUP_KEY_MAX - 20)}…#${fnv1a64([new TextEncoder().encode(groupKey)])}`;
}

type AnyPayload = AlertmanagerPayload | GrafanaPayload;

/** Turns a validated Alertmanager or Grafana payload into the one shape intake works on. */
export function normaliseAlertPayload(source: AlertSource, payload: AnyPayload): NormalisedAlertGroup {
  const alerts = (payload.alerts as GrafanaPayload['alerts']).map((alert, index): NormalisedAlert => {
    const links: Record<string, string> = {};
    for (const key of ['generatorURL', 'silenceURL', 'dashboardURL', 'panelURL', 'imageURL'] as const) {
      const value = alert[key];
      if (value) links[key] = value;
    }
    const normalised: NormalisedAlert = {
      index,
      fingerprint: alert.fingerprint?.trim() || labelFingerprint(alert.labels),
      status: alert.status,
      labels: alert.labels,
      annotations: alert.annotations,
      startsAt: new Date(alert.startsAt),
      links,
    };
    if (alert.values && Object.keys(alert.values).length > 0) normalised.values = alert.values;
    return normalised;
  });
  return {
    source,
    groupKey: storedGroupKey(payload.groupKey),
    status: payload.status,
    alerts,
    commonLabels: payload.commonLabels ?? {},
    commonAnnotations: payload.commonAnnotations ?? {},
    truncatedAlerts: payload.truncatedAlerts ?? 0,
  };
}

/** What an alert is called in messages to staff: its alertname, or its fingerprint. */
export const alertName = (alert: Pick<NormalisedAlert, 'labels' | 'fingerprint'>): string => alert.labels.alertname?.trim() || alert.fingerprint;

/* ------------------------------------------------------------------------------------------ */
/* Severity signals                                                                            */
/* ------------------------------------------------------------------------------------------ */

/** Annotation or label names whose value is a measurement compared with the plan's thresholds. */
export const thresholdMetrics = [
  'availability',
  'error_rate',
  'response_time',
  'cpu',
  'memory',
  'disk',
  'cache_hit_ratio',
  'slow_query_time',
  'failed_logins_per_hour',
] as const;
export type ThresholdMetric = (typeof thresholdMetrics)[number];

type Unit = 'percent' | 'seconds' | 'count';

const metricRules: Record<ThresholdMetric, { unit: Unit; signals: (value: number) => SeveritySignalId[] }> = {
  availability: { unit: 'percent', signals: (value) => (value < 99 ? ['availability_below_99'] : []) },
  error_rate: {
    unit: 'percent',
    signals: (value) => [...(value > 1 ? (['error_rate_above_1'] as const) : []), ...(value > 5 ? (['partial_error_rate_above_5'] as const) : [])],
  },
  response_time: { unit: 'seconds', signals: (value) => (value > 2 ? ['response_time_above_2s'] : []) },
  cpu: { unit: 'percent', signals: (value) => (value > 80 ? ['cpu_above_80'] : []) },
  memory: { unit: 'percent', signals: (value) => (value > 85 ? ['memory_above_85'] : []) },
  disk: { unit: 'percent', signals: (value) => (value > 90 ? ['disk_above_90'] : []) },
  cache_hit_ratio: { unit: 'percent', signals: (value) => (value < 70 ? ['cache_hit_ratio_below_70'] : []) },
  slow_query_time: { unit: 'seconds', signals: (value) => (value > 1 ? ['slow_queries_above_1s'] : []) },
  failed_logins_per_hour: { unit: 'count', signals: (value) => (value > 100 ? ['failed_logins_above_100_per_hour'] : []) },
};

const unitFactors: Record<Unit, Record<string, number>> = {
  percent: { '': 1, '%': 1 },
  seconds: { '': 1, s: 1, sec: 1, secs: 1, seconds: 1, ms: 0.001, m: 60, min: 60 },
  count: { '': 1, k: 1_000 },
};

/**
 * A measurement as an alert writes it ("12", "12%", "97.5 %", "0.5s", "2500ms", "1.2k"), in the
 * metric's unit (percent, seconds or a count); null when it cannot be read.
 */
export function parseMetricValue(metric: ThresholdMetric, raw: string): number | null {
  const match = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?)\s*([a-z%]*)$/i.exec(raw.trim());
  if (!match) return null;
  const factor = unitFactors[metricRules[metric].unit][match[2]!.toLowerCase()];
  if (factor === undefined) return null;
  const value = Number(match[1]) * factor;
  return Number.isFinite(value) ? value : null;
}

/** The signals one measurement trips. */
export function thresholdSignals(metric: ThresholdMetric, value: number): SeveritySignalId[] {
  return metricRules[metric].signals(value);
}

const isThresholdMetric = (name: string): name is ThresholdMetric => (thresholdMetrics as readonly string[]).includes(name);
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
    for (const id of source.split(',').map((item) => item.trim()).filter(Boolean)) {
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
    const [metric, ref] = pointer.split(/\s*[:=]\s*/, 2) as [string, string | undefined];
    const entries = Object.entries(alert.values ?? {});
    if (!isThresholdMetric(metric)) notes.push(`herald_metric "${pointer}" names no known metric (${thresholdMetrics.join(', ')})`);
    else if (ref !== undefined) {
      const value = alert.values?.[ref];
      if (value === undefined) notes.push(`herald_metric "${pointer}": the alert has no value "${ref}"`);
      else thresholdSignals(metric, value).forEach((id) => found.add(id));
    } else if (entries.length !== 1) {
      notes.push(`herald_metric "${pointer}": the alert has ${entries.length} values; name one ("${metric}:${entries[0]?.[0] ?? 'A'}")`);
    } else {
      thresholdSignals(metric, entries[0]![1]).forEach((id) => found.add(id));
    }
  }
  // In the plan's order, so reasons read the same whatever order the alert listed them in.
  return { signals: severitySignalIds.filter((id) => found.has(id)), notes };
}

/** The Alertmanager convention's `severity` label, read as a Herald severity. */
export function severityFromLabel(value: string | undefined): Severity | null {
  switch (value?.trim().toLowerCase()) {
    case 'critical':
      return 'critical';
    case 'error':
    case 'high':
    case 'page':
      return 'high';
    case 'warning':
      return 'medium';
    case 'info':
    case 'none':
      return 'low';
    default:
      return null;
  }
}

/** The component status an alert's severity stands for. */
export function componentStatusForSeverity(severity: Severity): ComponentStatus {
  return severity === 'critical' ? 'major_outage' : severity === 'high' ? 'partial_outage' : 'degraded_performance';
}

/** The statuses a `component_status` label may ask for: an alert never means operational or maintenance. */
export const alertComponentStatuses = ['degraded_performance', 'partial_outage', 'major_outage'] as const satisfies readonly ComponentStatus[];

const rank = (severity: Severity) => severities.length - severities.indexOf(severity);

/** The worst of some severities; null for none. */
export function worstSeverity(list: readonly Severity[]): Severity | null {
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

/** What one firing alert says about severity and component status. */
export function assessAlert(alert: Pick<NormalisedAlert, 'labels' | 'annotations' | 'values'>): AlertAssessment {
  const { signals, notes } = alertSignals(alert);
  let severity: Severity | null = null;
  let severitySource: AlertAssessment['severitySource'] = 'none';
  if (signals.length > 0) {
    severity = worstSeverity(signals.map((id) => severitySignals.find((signal) => signal.id === id)!.severity));
    severitySource = 'signals';
  } else {
    severity = severityFromLabel(alert.labels.severity);
    if (severity) severitySource = 'severity_label';
    else if (alert.labels.severity) notes.push(`unknown severity "${alert.labels.severity}"`);
  }
  const requested = alert.labels.component_status?.trim();
  let componentStatus: ComponentStatus;
  if (requested && (alertComponentStatuses as readonly string[]).includes(requested)) componentStatus = requested as ComponentStatus;
  else {
    if (requested) notes.push(`component_status "${requested}" is not one of ${alertComponentStatuses.join(', ')}`);
    componentStatus = componentStatusForSeverity(severity ?? 'medium');
  }
  return { signals, severity, severitySource, componentStatus, notes };
}

/* ------------------------------------------------------------------------------------------ */
/* Public text                                                                                 */
/* ------------------------------------------------------------------------------------------ */

export const PUBLIC_TITLE_MAX = 200;
export const PUBLIC_MESSAGE_MAX = 10_000;

const firstAnnotation = (alerts: readonly Pick<NormalisedAlert, 'annotations'>[], names: readonly string[]): string | undefined => {
  for (const alert of alerts) {
    for (const name of names) {
      const value = alert.annotations[name]?.trim();
      if (value) return value;
    }
  }
  return undefined;
};

const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`);

/** "Search, API", or a neutral phrase when every affected component is hidden from the public page. */
function componentList(names: readonly string[], fallback: string): string {
  return names.length > 0 ? names.join(', ') : fallback;
}

/**
 * The public title: a `herald_title` or `public_title` annotation, else
 * "<component names>: <alertname>" (alertnames joined when several), at most 200 characters.
 */
export function publicTitle(alerts: readonly Pick<NormalisedAlert, 'annotations' | 'labels'>[], componentNames: readonly string[]): string {
  const chosen = firstAnnotation(alerts, ['herald_title', 'public_title']);
  if (chosen) return clip(chosen, PUBLIC_TITLE_MAX);
  const names = [...new Set(alerts.map((alert) => alert.labels.alertname?.trim()).filter((name): name is string => Boolean(name)))];
  return clip(`${componentList(componentNames, 'Service issue')}: ${names.length > 0 ? names.join(', ') : 'alert'}`, PUBLIC_TITLE_MAX);
}

/** "14:05 UTC", or "2026-03-01 14:05 UTC" when that is not today (UTC). */
export function alertTime(at: Date, now: Date): string {
  const full = formatUtc(at);
  return formatUtc(now).slice(0, 10) === full.slice(0, 10) ? full.slice(11) : full;
}

const earliest = (alerts: readonly Pick<NormalisedAlert, 'startsAt'>[], fallback: Date) =>
  alerts.reduce((first, alert) => (alert.startsAt < first ? alert.startsAt : first), alerts[0]?.startsAt ?? fallback);

/**
 * The first public message: a `herald_message` or `public_message` annotation, else a neutral
 * sentence that names the affected components and when monitoring raised the alert. Never the
 * alert's summary, description or links.
 */
export function publicMessage(alerts: readonly Pick<NormalisedAlert, 'annotations' | 'startsAt'>[], componentNames: readonly string[], now: Date): string {
  const chosen = firstAnnotation(alerts, ['herald_message', 'public_message']);
  if (chosen) return clip(chosen, PUBLIC_MESSAGE_MAX);
  return `We are investigating an issue affecting ${componentList(componentNames, 'some of our services')}. Our monitoring raised an alert at ${alertTime(earliest(alerts, now), now)}.`;
}

/**
 * The update for alerts that joined an open incident: their own public message annotation,
 * else a neutral sentence naming the newly affected components (or, with none new, the
 * components the new alerts concern).
 */
export function newAlertsMessage(
  alerts: readonly Pick<NormalisedAlert, 'annotations' | 'startsAt'>[],
  names: { added: readonly string[]; concerned: readonly string[] },
  now: Date,
): string {
  const chosen = firstAnnotation(alerts, ['herald_message', 'public_message']);
  if (chosen) return clip(chosen, PUBLIC_MESSAGE_MAX);
  const at = alertTime(earliest(alerts, now), now);
  if (names.added.length > 0) return `The issue now also affects ${names.added.join(', ')}. Our monitoring raised a further alert at ${at}.`;
  return `Our monitoring raised a further alert affecting ${componentList(names.concerned, 'our services')} at ${at}.`;
}

/** When the alerts of an incident in monitoring fire again. */
export const ALERT_REFIRED_MESSAGE = 'Our monitoring raised the alert again. We are investigating.';

export const ALERT_CLEARED_MESSAGE = 'The alert has cleared; we are monitoring.';
export const ALERT_RESOLVED_MESSAGE = 'The alert has cleared and the issue is resolved.';
