/**
 * What the public may see of the component catalogue, and the page status it adds up to. The
 * one statement of the rule: services/components/visibility.ts reads the rows it needs, and the
 * public tree of listComponentTree filters with it.
 */
import { rollUpStatus, type PageStatus } from './rollup';
import type { ComponentStatus } from './statuses';

/** A public component: not archived, not hidden, and not in a hidden group. */
export function isPublicComponent(item: { hidden: boolean; archivedAt: Date | null }, group: { hidden: boolean } | null): boolean {
  return item.archivedAt === null && !item.hidden && !group?.hidden;
}

/** Whether a public component is on the page now: one marked "only show if degraded" only while it is not operational. */
export function isShownOnPage(item: { onlyShowIfDegraded: boolean; status: ComponentStatus }): boolean {
  return !item.onlyShowIfDegraded || item.status !== 'operational';
}

/** The page's rolled-up status: over the public components it shows now. */
export function pageStatusOf(publicComponents: readonly { onlyShowIfDegraded: boolean; status: ComponentStatus }[]): PageStatus {
  return rollUpStatus(publicComponents.filter(isShownOnPage).map((item) => item.status));
}

interface Tree<C, G extends { components: C[] }> {
  ungrouped: C[];
  groups: G[];
}

/** The tree with only the components `keep` accepts, and without the groups left empty. */
function pruneTree<C, G extends { components: C[] }>(tree: Tree<C, G>, keep: (item: C, group: G | null) => boolean): Tree<C, G> {
  return {
    ungrouped: tree.ungrouped.filter((item) => keep(item, null)),
    groups: tree.groups
      .map((group) => ({ ...group, components: group.components.filter((item) => keep(item, group)) }))
      .filter((group) => group.components.length > 0),
  };
}

type PublicFacts = { hidden: boolean; archivedAt: Date | null };

/** The tree as the public may see it: only public components, and only groups that still hold some. */
export function publicTree<C extends PublicFacts, G extends { hidden: boolean; components: C[] }>(tree: Tree<C, G>): Tree<C, G> {
  return pruneTree(tree, isPublicComponent);
}

/** A public tree as the page shows it now: without the "only show if degraded" components that are operational. */
export function shownTree<C extends { onlyShowIfDegraded: boolean; status: ComponentStatus }, G extends { components: C[] }>(
  tree: Tree<C, G>,
): Tree<C, G> {
  return pruneTree(tree, isShownOnPage);
}
