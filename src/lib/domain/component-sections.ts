/**
 * The component tree (listComponentTree: the ungrouped components, then each group with its
 * components, in display order) as pages list it: in sections under their group's name, or as
 * one flat list.
 */

export interface ComponentTreeOf<C> {
  ungrouped: readonly C[];
  groups: readonly { name: string; components: readonly C[] }[];
}

export interface ComponentSection<C> {
  /** The group's name; null for the ungrouped components, unless they are labelled. */
  name: string | null;
  components: C[];
}

/** The name of the ungrouped components' section where they are labelled. */
export const UNGROUPED_LABEL = 'Ungrouped';

export interface SectionOptions<C> {
  /** Lists only the components this accepts; a section left empty is left out. */
  where?: (item: C) => boolean;
  /**
   * Names the ungrouped section `UNGROUPED_LABEL` when group sections follow it, where a first
   * section without a heading would read as part of the list above (a filter menu, a form's
   * list). Otherwise it has no name, as on the status page.
   */
  labelUngrouped?: boolean;
}

/** The ungrouped components first, then one section per group, without empty sections. */
export function componentSections<C>(tree: ComponentTreeOf<C>, options: SectionOptions<C> = {}): ComponentSection<C>[] {
  const keep = options.where ?? (() => true);
  const groups = tree.groups
    .map((group) => ({ name: group.name, components: group.components.filter(keep) }))
    .filter((section) => section.components.length > 0);
  const ungrouped = tree.ungrouped.filter(keep);
  if (ungrouped.length === 0) return groups;
  return [{ name: options.labelUngrouped && groups.length > 0 ? UNGROUPED_LABEL : null, components: ungrouped }, ...groups];
}

/** Every component of the tree in display order. */
export function componentsInOrder<C>(tree: ComponentTreeOf<C>): C[] {
  return [...tree.ungrouped, ...tree.groups.flatMap((group) => group.components)];
}

/** Every component in display order, a grouped one named "Group › Component" as a flat list must name it. */
export function componentsWithGroupNames<C extends { name: string }>(tree: ComponentTreeOf<C>): C[] {
  return [
    ...tree.ungrouped,
    ...tree.groups.flatMap((group) => group.components.map((item) => ({ ...item, name: `${group.name} › ${item.name}` }))),
  ];
}
