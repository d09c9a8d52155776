import { alertName, type NormalisedAlert } from './alert-intake';
import { assessAlert, type AlertAssessment } from './alert-assessment';
import { classifySeverity, severitySignalIds, type SeveritySignalId, type SeveritySuggestion } from './severity-classifier';
import { componentStatusRank, type ComponentStatus } from './statuses';

/**
 * Which components a group of firing alerts concerns (issue 7): an alert's `component` label (an
 * id, or a name compared without case), else the intake settings' label rules; the worst status
 * each component is asked for; the signals and severity of the whole group.
 */

/** A component as intake maps to it. */
export interface KnownComponent {
  id: string;
  name: string;
  hidden: boolean;
  /** Display order on the page, so names read as they do there. */
  order: number;
}

/** A rule of the intake settings: alerts whose `label` is exactly `value` concern `componentId`. */
export interface LabelRule {
  label: string;
  value: string;
  componentId: string;
}

type MappingProblem =
  { problem: 'no_label' } | { problem: 'unknown'; value: string } | { problem: 'ambiguous'; value: string; matches: number };

export type AlertMapping = { ok: true; componentIds: string[]; via: string; note?: string } | ({ ok: false } & MappingProblem);

/** Why an alert's `component` label did not map, in words. */
function componentLabelProblem(problem: MappingProblem): string {
  if (problem.problem === 'unknown') return `its "component" label "${problem.value}" names no component (or an archived one)`;
  if (problem.problem === 'ambiguous')
    return `its "component" label "${problem.value}" names ${problem.matches} components; use the component's id`;
  return 'it has no "component" label';
}

/**
 * The components one alert concerns: its `component` label (an id, or a name compared without
 * case), else every rule whose label has exactly the rule's value.
 */
export function mapAlert(
  alert: Pick<NormalisedAlert, 'labels'>,
  components: ReadonlyMap<string, KnownComponent>,
  rules: readonly LabelRule[],
): AlertMapping {
  const value = alert.labels.component?.trim();
  let problem: MappingProblem = { problem: 'no_label' };
  if (value) {
    const via = `component label "${value}"`;
    if (components.has(value)) return { ok: true, componentIds: [value], via };
    const byName = [...components.values()].filter((item) => item.name.toLowerCase() === value.toLowerCase());
    const [only] = byName;
    if (byName.length === 1 && only) return { ok: true, componentIds: [only.id], via };
    problem = byName.length === 0 ? { problem: 'unknown', value } : { problem: 'ambiguous', value, matches: byName.length };
  }
  const matched = rules.filter((rule) => alert.labels[rule.label] === rule.value && components.has(rule.componentId));
  if (matched.length === 0) return { ok: false, ...problem };
  const note = problem.problem === 'no_label' ? undefined : componentLabelProblem(problem);
  return {
    ok: true,
    componentIds: [...new Set(matched.map((rule) => rule.componentId))],
    via: `rule ${[...new Set(matched.map((rule) => `${rule.label}="${rule.value}"`))].join(', ')}`,
    ...(note ? { note } : {}),
  };
}

export interface ComponentChange {
  componentId: string;
  status: ComponentStatus;
}

/** Each component once, with the worst status asked for it, in page order (unknown ones last). */
export function worstStatusPerComponent(
  items: readonly ComponentChange[],
  components: ReadonlyMap<string, KnownComponent>,
): ComponentChange[] {
  const worst = new Map<string, ComponentStatus>();
  for (const item of items) {
    const current = worst.get(item.componentId);
    if (!current || componentStatusRank[item.status] > componentStatusRank[current]) worst.set(item.componentId, item.status);
  }
  const order = (id: string) => components.get(id)?.order ?? Number.MAX_SAFE_INTEGER;
  return [...worst.entries()]
    .map(([componentId, status]) => ({ componentId, status }))
    .sort((a, b) => order(a.componentId) - order(b.componentId));
}

/** Signals once each, in the plan's order. */
export function orderedSignals(signals: Iterable<SeveritySignalId>): SeveritySignalId[] {
  const set = new Set(signals);
  return severitySignalIds.filter((id) => set.has(id));
}

export interface MappedAlert {
  alert: NormalisedAlert;
  assessment: AlertAssessment;
  componentIds: string[];
  via: string;
}

export interface UnmappedAlert {
  alert: NormalisedAlert;
  problem: MappingProblem;
}

export interface AlertAnalysis {
  mapped: MappedAlert[];
  unmapped: UnmappedAlert[];
  /** Each affected component with the worst status its alerts ask for, in page order. */
  changes: ComponentChange[];
  signals: SeveritySignalId[];
  suggestion: SeveritySuggestion;
  /** What the intake log should say about single alerts (mapped by a rule, unreadable values, left out). */
  notes: string[];
}

/** Maps and assesses a group's firing alerts, and what they ask of the page together. */
export function analyseAlerts(
  firing: readonly NormalisedAlert[],
  components: ReadonlyMap<string, KnownComponent>,
  rules: readonly LabelRule[],
): AlertAnalysis {
  const mapped: MappedAlert[] = [];
  const unmapped: UnmappedAlert[] = [];
  const notes: string[] = [];
  for (const alert of firing) {
    const mapping = mapAlert(alert, components, rules);
    if (!mapping.ok) {
      unmapped.push({ alert, problem: mapping });
      continue;
    }
    const assessment = assessAlert(alert);
    mapped.push({ alert, assessment, componentIds: mapping.componentIds, via: mapping.via });
    if (mapping.note) notes.push(`Alert "${alertName(alert)}": ${mapping.note}; mapped by ${mapping.via} instead.`);
    for (const note of assessment.notes) notes.push(`Alert "${alertName(alert)}": ${note}.`);
  }
  for (const { alert, problem } of unmapped)
    notes.push(`Alert "${alertName(alert)}" maps to no component (${componentLabelProblem(problem)}) and was left out.`);
  const changes = worstStatusPerComponent(
    mapped.flatMap((item) => item.componentIds.map((componentId) => ({ componentId, status: item.assessment.componentStatus }))),
    components,
  );
  const signals = orderedSignals(mapped.flatMap((item) => item.assessment.signals));
  const suggestion = classifySeverity(
    signals,
    changes.map((change) => change.status),
  );
  return { mapped, unmapped, changes, signals, suggestion, notes };
}

/**
 * Why a group none of whose firing alerts maps to a component is refused: a message naming what
 * is missing (the first three alerts) and a field error per alert.
 */
export function unmappedProblem(unmapped: readonly UnmappedAlert[]): { message: string; fieldErrors: Record<string, string> } {
  const fieldErrors: Record<string, string> = {};
  const sentences: string[] = [];
  for (const { alert, problem } of unmapped) {
    const labels = Object.keys(alert.labels).join(', ') || 'none';
    const rule = `a rule in the intake settings for one of its labels (${labels})`;
    const field = `alerts.${alert.index}.labels.component`;
    if (problem.problem === 'no_label') {
      fieldErrors[field] = 'Add a "component" label (a component\'s id or name), or a rule in the intake settings.';
      sentences.push(`No component for alert "${alertName(alert)}": add a "component" label (a component's id or name) or ${rule}.`);
    } else {
      fieldErrors[field] =
        problem.problem === 'unknown'
          ? `"${problem.value}" names no component.`
          : `"${problem.value}" names ${problem.matches} components: use the id.`;
      sentences.push(
        `No component for alert "${alertName(alert)}": ${componentLabelProblem(problem)}. Use a component's id or name, or add ${rule}.`,
      );
    }
  }
  const shown = sentences.slice(0, 3).join(' ');
  const message = sentences.length > 3 ? `${shown} (${sentences.length - 3} more alerts without a component.)` : shown;
  return { message, fieldErrors };
}

/** Names as the public may read them: hidden components are left out, the rest in page order. */
export function publicNames(componentIds: readonly string[], components: ReadonlyMap<string, KnownComponent>): string[] {
  return [...new Set(componentIds)]
    .map((id) => components.get(id))
    .filter((item): item is KnownComponent => item !== undefined && !item.hidden)
    .sort((a, b) => a.order - b.order)
    .map((item) => item.name);
}

/** The fingerprints of some alerts, once each: what a link remembers as firing. */
export const uniqueFingerprints = (alerts: readonly Pick<NormalisedAlert, 'fingerprint'>[]): string[] => [
  ...new Set(alerts.map((alert) => alert.fingerprint)),
];

/** The fingerprints firing now that were not at the group's last call. */
export const freshFingerprints = (firing: readonly string[], before: readonly string[]): string[] =>
  firing.filter((fingerprint) => !before.includes(fingerprint));
