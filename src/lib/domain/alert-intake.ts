import { z } from 'zod';

/**
 * Alert intake's payloads (issue 7): the webhook payloads of Prometheus Alertmanager and Grafana
 * alerting, and the one normalised shape intake works on for both. What an alert means is in
 * alert-assessment.ts (severity) and alert-mapping.ts (components); the text written for it in
 * alert-wording.ts (public) and alert-intake-log.ts (the admin's log).
 */

export const alertSources = ['alertmanager', 'grafana'] as const;
export type AlertSource = (typeof alertSources)[number];
export const alertSourceLabels: Record<AlertSource, string> = { alertmanager: 'Alertmanager', grafana: 'Grafana' };

const alertStatuses = ['firing', 'resolved'] as const;
export type AlertStatus = (typeof alertStatuses)[number];

/** More alerts than this in one call is not a real alert group. */
const MAX_ALERTS_PER_CALL = 5_000;

/* ------------------------------------------------------------------------------------------ */
/* Payload schemas                                                                             */
/* ------------------------------------------------------------------------------------------ */

const missingOr = (message: string) => (issue: { input: unknown }) => (issue.input === undefined ? 'Required.' : message);

const alertStatus = z.enum(alertStatuses, { error: missingOr('Expected "firing" or "resolved".') });
/** Labels and annotations: a map of strings (Prometheus has no other label type). */
const stringMap = z.record(z.string(), z.string({ error: 'Expected a string value.' }), {
  error: missingOr('Expected an object of string values.'),
});
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

type AlertmanagerPayload = z.output<typeof alertmanagerPayloadSchema>;
type GrafanaPayload = z.output<typeof grafanaPayloadSchema>;

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
  for (const [name, value] of Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    parts.push(encoder.encode(name), separator, encoder.encode(value), separator);
  }
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
export const alertName = (alert: Pick<NormalisedAlert, 'labels' | 'fingerprint'>): string =>
  alert.labels.alertname?.trim() || alert.fingerprint;

/** Best effort: what a payload that failed validation said about its group, for the log. */
export function peekGroup(payload: unknown): { groupKey: string | null; status: AlertStatus | null } {
  const object = payload && typeof payload === 'object' ? (payload as Record<string, unknown>) : {};
  return {
    groupKey: typeof object.groupKey === 'string' && object.groupKey !== '' ? object.groupKey.slice(0, GROUP_KEY_MAX) : null,
    status: object.status === 'firing' || object.status === 'resolved' ? object.status : null,
  };
}
