/** The five component statuses of the Statuspage v2 contract, from best to worst for display. */
export const componentStatuses = ['operational', 'degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance'] as const;
export type ComponentStatus = (typeof componentStatuses)[number];

export const componentStatusLabels: Record<ComponentStatus, string> = {
  operational: 'Operational',
  degraded_performance: 'Degraded performance',
  partial_outage: 'Partial outage',
  major_outage: 'Major outage',
  under_maintenance: 'Under maintenance',
};

/** How bad a status is when several must be summarised by the worst (a group, a day). */
export const componentStatusRank: Record<ComponentStatus, number> = {
  operational: 0,
  under_maintenance: 1,
  degraded_performance: 2,
  partial_outage: 3,
  major_outage: 4,
};

export function worstComponentStatus(statuses: readonly ComponentStatus[]): ComponentStatus {
  let worst: ComponentStatus = 'operational';
  for (const status of statuses) {
    if (componentStatusRank[status] > componentStatusRank[worst]) worst = status;
  }
  return worst;
}

export const incidentStatuses = ['investigating', 'identified', 'monitoring', 'resolved', 'postmortem'] as const;
export type IncidentStatus = (typeof incidentStatuses)[number];
/** The statuses staff can post in an update; `postmortem` arrives with the post-mortem itself. */
export const incidentUpdateStatuses = ['investigating', 'identified', 'monitoring', 'resolved'] as const;
export type IncidentUpdateStatus = (typeof incidentUpdateStatuses)[number];
export const unresolvedIncidentStatuses: readonly IncidentStatus[] = ['investigating', 'identified', 'monitoring'];

export const incidentStatusLabels: Record<IncidentStatus, string> = {
  investigating: 'Investigating',
  identified: 'Identified',
  monitoring: 'Monitoring',
  resolved: 'Resolved',
  postmortem: 'Post-mortem',
};

export function isIncidentOpen(status: IncidentStatus): boolean {
  return unresolvedIncidentStatuses.includes(status);
}

export const severities = ['critical', 'high', 'medium', 'low'] as const;
export type Severity = (typeof severities)[number];
export const severityLabels: Record<Severity, string> = {
  critical: 'Critical',
  high: 'High',
  medium: 'Medium',
  low: 'Low',
};

export const impacts = ['none', 'minor', 'major', 'critical'] as const;
export type Impact = (typeof impacts)[number];
export const impactLabels: Record<Impact, string> = {
  none: 'No impact',
  minor: 'Minor',
  major: 'Major',
  critical: 'Critical',
};

/** Severity maps to the public impact: Critical → critical, High → major, Medium → minor, Low → none. */
export function impactOfSeverity(severity: Severity): Impact {
  return ({ critical: 'critical', high: 'major', medium: 'minor', low: 'none' } as const)[severity];
}
