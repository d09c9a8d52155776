import { describe, expect, it } from 'vitest';
import { componentSections, componentsInOrder, componentsWithGroupNames, UNGROUPED_LABEL } from '../../src/lib/domain/component-sections';

const item = (id: string, name = id.toUpperCase()) => ({ id, name });
const tree = {
  ungrouped: [item('a'), item('b')],
  groups: [
    { name: 'Core', components: [item('c'), item('d')] },
    { name: 'Empty', components: [] },
    { name: 'Edge', components: [item('e')] },
  ],
};
const shape = (sections: { name: string | null; components: { id: string }[] }[]) =>
  sections.map((section) => [section.name, section.components.map((entry) => entry.id)]);

describe('componentSections', () => {
  it('lists the ungrouped components first, without a heading, then each group under its name', () => {
    expect(shape(componentSections(tree))).toEqual([
      [null, ['a', 'b']],
      ['Core', ['c', 'd']],
      ['Edge', ['e']],
    ]);
  });

  it('leaves out empty groups and an empty ungrouped section', () => {
    expect(shape(componentSections({ ungrouped: [], groups: tree.groups }))).toEqual([
      ['Core', ['c', 'd']],
      ['Edge', ['e']],
    ]);
    expect(componentSections({ ungrouped: [], groups: [] })).toEqual([]);
  });

  it('names the ungrouped section "Ungrouped" when asked and groups follow it', () => {
    expect(UNGROUPED_LABEL).toBe('Ungrouped');
    expect(componentSections(tree, { labelUngrouped: true })[0]?.name).toBe('Ungrouped');
  });

  it('keeps the ungrouped section unnamed when no group section follows, even when asked', () => {
    const onlyUngrouped = { ungrouped: [item('a')], groups: [{ name: 'Empty', components: [] }] };
    expect(shape(componentSections(onlyUngrouped, { labelUngrouped: true }))).toEqual([[null, ['a']]]);
  });

  it('lists only the components `where` accepts, dropping sections left empty', () => {
    expect(shape(componentSections(tree, { where: (entry) => entry.id !== 'e' && entry.id !== 'a' }))).toEqual([
      [null, ['b']],
      ['Core', ['c', 'd']],
    ]);
  });
});

describe('flat lists of the tree', () => {
  it('lists every component in display order', () => {
    expect(componentsInOrder(tree).map((entry) => entry.id)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('names a grouped component "Group › Component" and leaves the ungrouped ones as they are', () => {
    expect(componentsWithGroupNames(tree).map((entry) => entry.name)).toEqual(['A', 'B', 'Core › C', 'Core › D', 'Edge › E']);
  });
});
