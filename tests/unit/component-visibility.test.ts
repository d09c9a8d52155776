import { describe, expect, it } from 'vitest';
import { isPublicComponent, isShownOnPage, pageStatusOf, publicTree, shownTree } from '../../src/lib/domain/component-visibility';
import type { ComponentStatus } from '../../src/lib/domain/statuses';

const component = (
  id: string,
  options: { hidden?: boolean; archived?: boolean; onlyShowIfDegraded?: boolean; status?: ComponentStatus } = {},
) => ({
  id,
  hidden: options.hidden ?? false,
  archivedAt: options.archived ? new Date('2026-01-01T00:00:00Z') : null,
  onlyShowIfDegraded: options.onlyShowIfDegraded ?? false,
  status: options.status ?? 'operational',
});
const ids = (tree: { ungrouped: { id: string }[]; groups: { name: string; components: { id: string }[] }[] }) => ({
  ungrouped: tree.ungrouped.map((item) => item.id),
  groups: tree.groups.map((group) => [group.name, group.components.map((item) => item.id)]),
});

describe('isPublicComponent', () => {
  it('shows a component that is neither hidden nor archived, ungrouped or in a shown group', () => {
    expect(isPublicComponent(component('a'), null)).toBe(true);
    expect(isPublicComponent(component('a'), { hidden: false })).toBe(true);
  });

  it('hides a hidden component, an archived one, and any in a hidden group', () => {
    expect(isPublicComponent(component('a', { hidden: true }), null)).toBe(false);
    expect(isPublicComponent(component('a', { archived: true }), null)).toBe(false);
    expect(isPublicComponent(component('a'), { hidden: true })).toBe(false);
  });
});

describe('isShownOnPage', () => {
  it('shows a component marked "only show if degraded" only while it is not operational', () => {
    expect(isShownOnPage(component('a', { onlyShowIfDegraded: true }))).toBe(false);
    expect(isShownOnPage(component('a', { onlyShowIfDegraded: true, status: 'partial_outage' }))).toBe(true);
    expect(isShownOnPage(component('a'))).toBe(true);
  });
});

describe('pageStatusOf', () => {
  it('rolls up over the components the page shows: an operational "only if degraded" one does not count', () => {
    const standby = component('standby', { onlyShowIfDegraded: true });
    expect(pageStatusOf([component('a', { status: 'major_outage' }), standby])).toEqual({
      indicator: 'critical',
      description: 'Major System Outage',
    });
    expect(pageStatusOf([component('a', { status: 'major_outage' }), component('b')])).toEqual({
      indicator: 'major',
      description: 'Partial System Outage',
    });
  });

  it('is "All Systems Operational" when the page shows no component', () => {
    expect(pageStatusOf([component('standby', { onlyShowIfDegraded: true })])).toEqual({
      indicator: 'none',
      description: 'All Systems Operational',
    });
  });
});

describe('publicTree and shownTree', () => {
  const tree = {
    ungrouped: [component('a'), component('secret', { hidden: true }), component('standby', { onlyShowIfDegraded: true })],
    groups: [
      { name: 'Core', hidden: false, components: [component('b'), component('c', { hidden: true })] },
      { name: 'Private', hidden: true, components: [component('d')] },
      { name: 'All hidden', hidden: false, components: [component('e', { hidden: true })] },
      { name: 'Standby', hidden: false, components: [component('f', { onlyShowIfDegraded: true })] },
    ],
  };

  it('publicTree keeps public components and the groups that still hold some', () => {
    expect(ids(publicTree(tree))).toEqual({
      ungrouped: ['a', 'standby'],
      groups: [
        ['Core', ['b']],
        ['Standby', ['f']],
      ],
    });
  });

  it('shownTree leaves out operational "only if degraded" components, and groups left empty', () => {
    expect(ids(shownTree(publicTree(tree)))).toEqual({ ungrouped: ['a'], groups: [['Core', ['b']]] });
  });
});
