import { labelFingerprint } from '../../src/lib/domain/alert-intake';

/**
 * Webhook bodies as Prometheus Alertmanager (payload version 4) and Grafana alerting send them,
 * built from a few alert specs. Field names, nesting and value formats follow the documented
 * payloads: nanosecond timestamps, the zero `endsAt` of a firing alert, group keys in
 * Alertmanager's `{}:{label="value"}` form, Grafana's `values` map and its deprecated fields.
 */

export interface AlertSpec {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  status?: 'firing' | 'resolved';
  startsAt?: string;
  endsAt?: string;
  /** Omitted: computed from the labels; null: left out of the payload. */
  fingerprint?: string | null;
  /** Grafana only. */
  values?: Record<string, number> | null;
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

function commonOf(maps: Record<string, string>[]): Record<string, string> {
  if (maps.length === 0) return {};
  const [first, ...rest] = maps;
  return Object.fromEntries(Object.entries(first!).filter(([key, value]) => rest.every((map) => map[key] === value)));
}

function groupKeyOf(route: string, groupLabels: Record<string, string>) {
  const inner = Object.entries(groupLabels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
    .join(', ');
  return `${route}:{${inner}}`;
}

/** An Alertmanager webhook body; the group status is firing while any alert fires. */
export function alertmanagerPayload(options: {
  alerts: AlertSpec[];
  groupBy?: string[];
  groupKey?: string;
  receiver?: string;
  startsAt?: string;
}) {
  const groupBy = options.groupBy ?? ['alertname'];
  const alerts = options.alerts.map((spec) => {
    const status = spec.status ?? 'firing';
    const alert: Record<string, unknown> = {
      status,
      labels: spec.labels,
      annotations: spec.annotations ?? {},
      startsAt: spec.startsAt ?? options.startsAt ?? '2026-03-01T11:58:30.123456789Z',
      endsAt: spec.endsAt ?? (status === 'resolved' ? '2026-03-01T12:30:00.987654321Z' : ZERO_TIME),
      generatorURL: `http://prometheus.internal.example:9090/graph?g0.expr=${encodeURIComponent(`${spec.labels.alertname ?? 'up'} > 0`)}&g0.tab=1`,
    };
    if (spec.fingerprint !== null) alert.fingerprint = spec.fingerprint ?? labelFingerprint(spec.labels);
    return alert;
  });
  const commonLabels = commonOf(options.alerts.map((spec) => spec.labels));
  const groupLabels = Object.fromEntries(groupBy.filter((name) => name in commonLabels).map((name) => [name, commonLabels[name]!]));
  return {
    receiver: options.receiver ?? 'herald',
    status: alerts.some((alert) => alert.status === 'firing') ? 'firing' : 'resolved',
    alerts,
    groupLabels,
    commonLabels,
    commonAnnotations: commonOf(options.alerts.map((spec) => spec.annotations ?? {})),
    externalURL: 'http://alertmanager.internal.example:9093',
    version: '4',
    groupKey: options.groupKey ?? groupKeyOf('{}/{severity=~".+"}', groupLabels),
    truncatedAlerts: 0,
  };
}

/** A Grafana alerting webhook body (contact point of type webhook). */
export function grafanaPayload(options: { alerts: AlertSpec[]; groupKey?: string; receiver?: string }) {
  const alerts = options.alerts.map((spec, index) => {
    const status = spec.status ?? 'firing';
    const fingerprint = spec.fingerprint === null ? undefined : (spec.fingerprint ?? labelFingerprint(spec.labels));
    const matchers = Object.entries(spec.labels)
      .map(([key, value]) => `${key}=${value}`)
      .join(',');
    return {
      status,
      labels: spec.labels,
      annotations: spec.annotations ?? {},
      startsAt: spec.startsAt ?? '2026-03-01T12:58:00+01:00',
      endsAt: spec.endsAt ?? (status === 'resolved' ? '2026-03-01T13:40:00+01:00' : ZERO_TIME),
      generatorURL: `https://grafana.internal.example/alerting/grafana/rule${index}/view?orgId=1`,
      ...(fingerprint ? { fingerprint } : {}),
      silenceURL: `https://grafana.internal.example/alerting/silence/new?alertmanager=grafana&matcher=${encodeURIComponent(matchers)}&orgId=1`,
      dashboardURL: 'https://grafana.internal.example/d/api-overview?orgId=1',
      panelURL: 'https://grafana.internal.example/d/api-overview?orgId=1&viewPanel=4',
      values: spec.values === undefined ? { B: 3.2, C: 1 } : spec.values,
      valueString: spec.values
        ? Object.entries(spec.values)
            .map(([ref, value]) => `[ var='${ref}' labels={} value=${value} ]`)
            .join(', ')
        : '',
    };
  });
  const commonLabels = commonOf(options.alerts.map((spec) => spec.labels));
  const firingCount = alerts.filter((alert) => alert.status === 'firing').length;
  return {
    receiver: options.receiver ?? 'herald-webhook',
    status: firingCount > 0 ? 'firing' : 'resolved',
    orgId: 1,
    alerts,
    groupLabels: { alertname: commonLabels.alertname ?? '', grafana_folder: commonLabels.grafana_folder ?? '' },
    commonLabels,
    commonAnnotations: commonOf(options.alerts.map((spec) => spec.annotations ?? {})),
    externalURL: 'https://grafana.internal.example/',
    version: '1',
    groupKey:
      options.groupKey ??
      `{}/{__grafana_autogenerated__="true"}/{__grafana_receiver__="herald-webhook"}:{alertname="${commonLabels.alertname ?? ''}", grafana_folder="${commonLabels.grafana_folder ?? ''}"}`,
    truncatedAlerts: 0,
    title: `[${firingCount > 0 ? `FIRING:${firingCount}` : 'RESOLVED'}] ${commonLabels.alertname ?? ''}`,
    state: firingCount > 0 ? 'alerting' : 'ok',
    message: `**${firingCount > 0 ? 'Firing' : 'Resolved'}**\n\nValue: ${alerts.map((alert) => alert.valueString).join(' ')}\nLabels:\n${Object.entries(
      commonLabels,
    )
      .map(([key, value]) => ` - ${key} = ${value}`)
      .join('\n')}\n`,
  };
}

/** A payload exactly as Alertmanager 0.27 posts it for one firing rule, kept literal. */
export const literalAlertmanagerFiring = {
  receiver: 'herald',
  status: 'firing',
  alerts: [
    {
      status: 'firing',
      labels: {
        alertname: 'HighErrorRate',
        component: 'Search',
        instance: 'search-7f9c6d7b9-2xkqp:8080',
        job: 'search-api',
        severity: 'critical',
      },
      annotations: {
        description: 'search-api is answering 12.4% of requests with 5xx. See https://runbooks.internal.example/search/errors',
        summary: 'High error rate on search-api',
        error_rate: '12.4%',
        runbook_url: 'https://runbooks.internal.example/search/errors',
      },
      startsAt: '2026-03-01T11:58:30.123456789Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL:
        'http://prometheus.internal.example:9090/graph?g0.expr=sum+by+%28job%29+%28rate%28http_requests_total%7Bcode%3D~%225..%22%7D%5B5m%5D%29%29&g0.tab=1',
      fingerprint: '4c2f1a9be0d7c3e8',
    },
  ],
  groupLabels: { alertname: 'HighErrorRate' },
  commonLabels: {
    alertname: 'HighErrorRate',
    component: 'Search',
    instance: 'search-7f9c6d7b9-2xkqp:8080',
    job: 'search-api',
    severity: 'critical',
  },
  commonAnnotations: {
    description: 'search-api is answering 12.4% of requests with 5xx. See https://runbooks.internal.example/search/errors',
    summary: 'High error rate on search-api',
    error_rate: '12.4%',
    runbook_url: 'https://runbooks.internal.example/search/errors',
  },
  externalURL: 'http://alertmanager.internal.example:9093',
  version: '4',
  groupKey: '{}/{severity="critical"}:{alertname="HighErrorRate"}',
  truncatedAlerts: 0,
};
