/**
 * What a form posted, read back without any I/O: the shapes of posted values and of a failed
 * form, and the readers that re-fill a form after a failure. Pure, so markup (components and
 * layouts) may use it; the rest of src/forms is for pages.
 */

/** What a form posted, as an object: repeated names become arrays, `a.0.b` names nest. */
export type FormValues = Record<string, unknown>;

/** The outcome a page renders when a form did not succeed. */
export interface FormFailure {
  intent: string;
  status: number;
  message: string;
  fieldErrors: Record<string, string>;
  values: FormValues;
}

/** A posted field as text; anything else (absent, repeated, nested) as blank. */
export const fieldText = (value: unknown): string => (typeof value === 'string' ? value : '');

/** A field posted once, several times or not at all (checkboxes sharing a name), as a list of its strings. */
export const fieldTexts = (value: unknown): string[] =>
  (Array.isArray(value) ? value : value === undefined ? [] : [value]).filter((item): item is string => typeof item === 'string');

/** A checkbox posts `on` when ticked and nothing when not. */
export const isTicked = (value: unknown): boolean => value === 'on';

/** Turns `{ "0": {...}, "1": {...} }` (from `name="items.0.field"`) into an array, in index order. */
export function indexedList(value: unknown): unknown[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  return Object.entries(value)
    .filter(([key]) => /^\d+$/.test(key))
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([, item]: [string, unknown]) => item);
}

/** A field's value as posted, for re-filling a form after a failure. */
export function postedValue(failure: FormFailure | null, intent: string, name: string): string | undefined {
  if (!failure || failure.intent !== intent) return undefined;
  const value = name
    .split('.')
    .reduce<unknown>(
      (node, key) => (typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined),
      failure.values,
    );
  return typeof value === 'string' ? value : undefined;
}

/** The message for a field, or for the first of its sub-fields (`name.<part>`). */
export function errorOf(errors: Record<string, string>, name: string): string | undefined {
  return errors[name] ?? Object.entries(errors).find(([key]) => key.startsWith(`${name}.`))?.[1];
}

/** One component row of a form: `components.<row>.componentId` and `components.<row>.status`. */
export interface ComponentRow {
  row: number;
  componentId: string;
  status: string;
}

export function componentRows(value: unknown): ComponentRow[] {
  return indexedList(value).map((item, row) => {
    const fields = typeof item === 'object' && item !== null ? (item as Record<string, unknown>) : {};
    return { row, componentId: fieldText(fields.componentId).trim(), status: fieldText(fields.status) };
  });
}

export interface PostedComponentChoice {
  status: string;
  error: string | undefined;
}

/**
 * What a failed form posted for each component (keyed by component id), to re-fill its rows,
 * and the component messages that belong to no row on the page (a component that no longer
 * exists, or one listed twice).
 */
export function postedComponentChoices(
  failure: FormFailure | null,
  intent: string,
  shownComponentIds: readonly string[],
): { choices: Map<string, PostedComponentChoice>; otherErrors: string[] } {
  const choices = new Map<string, PostedComponentChoice>();
  const otherErrors: string[] = [];
  if (!failure || failure.intent !== intent) return { choices, otherErrors };
  const errors = failure.fieldErrors;
  if (errors.components) otherErrors.push(errors.components);
  for (const { row, componentId, status } of componentRows(failure.values.components)) {
    const error = errors[`components.${row}.componentId`] ?? errors[`components.${row}.status`];
    if (shownComponentIds.includes(componentId)) choices.set(componentId, { status, error });
    else if (error) otherErrors.push(error);
  }
  return { choices, otherErrors };
}

/**
 * Component errors of a failed schedule or edit, placed by component: the service numbers them
 * by their place in the posted list (`components.<n>`), which is mapped back to the component id
 * posted there. Messages about no shown component (or the list as a whole) come back apart.
 */
export function componentErrors(
  failure: FormFailure | null,
  intent: string,
  shownComponentIds: readonly string[],
): { byComponent: Map<string, string>; otherErrors: string[] } {
  const byComponent = new Map<string, string>();
  const otherErrors: string[] = [];
  if (!failure || failure.intent !== intent) return { byComponent, otherErrors };
  const posted = fieldTexts(failure.values.components);
  for (const [key, message] of Object.entries(failure.fieldErrors)) {
    if (key === 'components') {
      otherErrors.push(message);
      continue;
    }
    const match = /^components\.(\d+)$/.exec(key);
    if (!match) continue;
    const id = posted[Number(match[1])];
    if (id !== undefined && shownComponentIds.includes(id) && !byComponent.has(id)) byComponent.set(id, message);
    else if (!otherErrors.includes(message)) otherErrors.push(message);
  }
  return { byComponent, otherErrors };
}
