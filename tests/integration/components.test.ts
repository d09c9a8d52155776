import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditLog, component, componentGroup, componentStatusInterval, type ComponentRow } from '../../src/lib/server/db/schema';
import {
  createComponent,
  createGroup,
  deleteGroup,
  getComponent,
  getGroup,
  listComponentTree,
  moveComponent,
  moveGroup,
  removeComponent,
  setComponentStatus,
  updateComponent,
  updateGroup,
  type ComponentTree,
} from '../../src/lib/server/services/components/catalog';
import { declareIncident } from '../../src/lib/server/services/incidents/incident-commands';
import { auditRowsFor, countRows, expectFailure, expectInvalid, expectOk, HOUR, intervalsOf, testActor } from '../support/factories';
import { incidentHelpers } from '../support/incident-helpers';
import { useTestContext } from '../support/test-database';

const { clock, handle, context } = useTestContext({ start: '2026-03-01T12:00:00.000Z' });

/** Every write happens a minute after the previous one, so audit rows and timestamps are distinct. */
const helpers = incidentHelpers({ clock, context });
const { tick, newGroup } = helpers;
const newComponent = (name: string, groupId: string | null, extra: { hidden?: boolean } = {}) =>
  helpers.newComponent(name, { groupId, ...extra });

async function tree(publicOnly = false): Promise<ComponentTree> {
  return listComponentTree(context, { publicOnly });
}

async function groupComponents(groupId: string): Promise<ComponentRow[]> {
  const found = (await tree()).groups.find((group) => group.id === groupId);
  if (!found) throw new Error(`group ${groupId} is not in the tree`);
  return found.components;
}

const namesOf = (rows: { name: string }[]) => rows.map((row) => row.name);
const positionsOf = (rows: { position: number }[]) => rows.map((row) => row.position);
const oneTo = (n: number) => Array.from({ length: n }, (_, index) => index + 1);

describe('groups and components', () => {
  it('creates groups and components, numbering components 1..n within their group', async () => {
    const payments = await newGroup('Payments', { description: 'Card processing' });
    const api = await newComponent('Payments API', payments.id);
    const webhooks = await newComponent('Webhooks', payments.id);
    const dashboard = await newComponent('Dashboard', payments.id);

    expect(payments).toMatchObject({ name: 'Payments', description: 'Card processing', hidden: false });
    expect(api).toMatchObject({
      name: 'Payments API',
      groupId: payments.id,
      status: 'operational',
      position: 1,
      hidden: false,
      archivedAt: null,
    });
    expect(webhooks.position).toBe(2);
    expect(dashboard.position).toBe(3);

    const components = await groupComponents(payments.id);
    expect(namesOf(components)).toEqual(['Payments API', 'Webhooks', 'Dashboard']);
    expect(positionsOf(components)).toEqual([1, 2, 3]);

    // A new component starts with one open operational interval from the moment it was created.
    const intervals = await intervalsOf(handle.db, api.id);
    expect(intervals).toHaveLength(1);
    expect(intervals[0]).toMatchObject({ status: 'operational', startedAt: api.createdAt, endedAt: null, incidentId: null });

    const [groupAudit] = await auditRowsFor(handle.db, payments.id);
    expect(groupAudit).toMatchObject({ action: 'group.create', entityType: 'group', actorLabel: 'test-suite', before: null });
    expect(groupAudit!.after).toMatchObject({ id: payments.id, name: 'Payments' });
    const [componentAudit] = await auditRowsFor(handle.db, api.id);
    expect(componentAudit).toMatchObject({ action: 'component.create', entityType: 'component', before: null });
    expect(componentAudit!.after).toMatchObject({ id: api.id, name: 'Payments API', groupId: payments.id, position: 1 });
  });

  it('ungrouped components are numbered on their own and listed before the groups', async () => {
    const before = (await tree()).ungrouped.length;
    const first = await newComponent('Status API', null);
    const second = await newComponent('Marketing site', null);
    const { ungrouped } = await tree();
    expect(ungrouped).toHaveLength(before + 2);
    expect(positionsOf(ungrouped)).toEqual(oneTo(before + 2));
    expect(namesOf(ungrouped.slice(-2))).toEqual(['Status API', 'Marketing site']);
    expect(first.groupId).toBeNull();
    expect(second.position).toBe(first.position + 1);
  });

  it('edits a group and records the before and after in the audit log', async () => {
    const group = await newGroup('Infra');
    tick();
    const updated = expectOk(
      await updateGroup(context, testActor, group.id, { name: '  Infrastructure ', description: 'Servers', hidden: true }),
    );
    expect(updated).toMatchObject({ name: 'Infrastructure', description: 'Servers', hidden: true, position: group.position });
    expect(updated.updatedAt).toEqual(clock.now());
    expect(await getGroup(context, group.id)).toMatchObject({ name: 'Infrastructure', hidden: true });

    const rows = await auditRowsFor(handle.db, group.id);
    expect(rows.map((row) => row.action)).toEqual(['group.create', 'group.update']);
    expect(rows[1]!.before).toMatchObject({ name: 'Infra', description: null, hidden: false });
    expect(rows[1]!.after).toMatchObject({ name: 'Infrastructure', description: 'Servers', hidden: true });
  });

  it('edits a component and records the before and after in the audit log', async () => {
    const group = await newGroup('Edit group');
    const item = await newComponent('Search', group.id);
    tick();
    const updated = expectOk(
      await updateComponent(context, testActor, item.id, {
        name: 'Search API',
        description: 'Full-text search',
        groupId: group.id,
        hidden: false,
        onlyShowIfDegraded: true,
        startDate: '2025-06-01',
      }),
    );
    expect(updated).toMatchObject({
      name: 'Search API',
      description: 'Full-text search',
      groupId: group.id,
      position: 1,
      onlyShowIfDegraded: true,
      startDate: '2025-06-01',
      status: 'operational',
    });
    expect(await getComponent(context, item.id)).toMatchObject({ name: 'Search API', startDate: '2025-06-01' });

    const rows = await auditRowsFor(handle.db, item.id);
    expect(rows.map((row) => row.action)).toEqual(['component.create', 'component.update']);
    expect(rows[1]!.before).toMatchObject({ name: 'Search', description: null, startDate: null, onlyShowIfDegraded: false });
    expect(rows[1]!.after).toMatchObject({
      name: 'Search API',
      description: 'Full-text search',
      startDate: '2025-06-01',
      onlyShowIfDegraded: true,
    });
  });
});

describe('ordering', () => {
  it('moves a component up and down within its group, and does nothing at either end', async () => {
    const group = await newGroup('Ordering');
    const a = await newComponent('A', group.id);
    await newComponent('B', group.id);
    const c = await newComponent('C', group.id);

    tick();
    expectOk(await moveComponent(context, testActor, c.id, { direction: 'up' }));
    let components = await groupComponents(group.id);
    expect(namesOf(components)).toEqual(['A', 'C', 'B']);
    expect(positionsOf(components)).toEqual([1, 2, 3]);

    const moveAudit = (await auditRowsFor(handle.db, c.id)).at(-1)!;
    expect(moveAudit).toMatchObject({ action: 'component.move', before: { position: 3 }, after: { position: 2 } });

    tick();
    expectOk(await moveComponent(context, testActor, a.id, { direction: 'down' }));
    components = await groupComponents(group.id);
    expect(namesOf(components)).toEqual(['C', 'A', 'B']);
    expect(positionsOf(components)).toEqual([1, 2, 3]);

    // At the ends a move succeeds but changes nothing and records nothing.
    const auditBefore = await countRows(handle.db, auditLog);
    const first = components[0]!;
    const last = components[2]!;
    expectOk(await moveComponent(context, testActor, first.id, { direction: 'up' }));
    expectOk(await moveComponent(context, testActor, last.id, { direction: 'down' }));
    components = await groupComponents(group.id);
    expect(namesOf(components)).toEqual(['C', 'A', 'B']);
    expect(positionsOf(components)).toEqual([1, 2, 3]);
    expect(await countRows(handle.db, auditLog)).toBe(auditBefore);
  });

  it('refuses a move with an unknown direction or component', async () => {
    const group = await newGroup('Bad moves');
    const a = await newComponent('Only', group.id);
    expect(expectInvalid(await moveComponent(context, testActor, a.id, { direction: 'sideways' as 'up' }))).toHaveProperty('direction');
    expectFailure(await moveComponent(context, testActor, 'nosuchcomponent0', { direction: 'up' }), 'not_found');
  });

  it('moves groups up and down, and does nothing at either end', async () => {
    const initial = namesOf((await tree()).groups);
    const x = await newGroup('Group X');
    const y = await newGroup('Group Y');
    expect(namesOf((await tree()).groups)).toEqual([...initial, 'Group X', 'Group Y']);

    tick();
    expectOk(await moveGroup(context, testActor, y.id, { direction: 'up' }));
    let groups = (await tree()).groups;
    expect(namesOf(groups)).toEqual([...initial, 'Group Y', 'Group X']);
    expect(positionsOf(groups)).toEqual(oneTo(groups.length));
    expect((await auditRowsFor(handle.db, y.id)).at(-1)).toMatchObject({ action: 'group.move', after: { position: groups.length - 1 } });

    tick();
    expectOk(await moveGroup(context, testActor, x.id, { direction: 'up' }));
    expect(namesOf((await tree()).groups)).toEqual([...initial, 'Group X', 'Group Y']);
    tick();
    expectOk(await moveGroup(context, testActor, x.id, { direction: 'up' }));
    expect(namesOf((await tree()).groups)).toEqual([...initial.slice(0, -1), 'Group X', ...initial.slice(-1), 'Group Y']);
    tick();
    expectOk(await moveGroup(context, testActor, x.id, { direction: 'down' }));
    expect(namesOf((await tree()).groups)).toEqual([...initial, 'Group X', 'Group Y']);
    expect(positionsOf((await tree()).groups)).toEqual(oneTo(initial.length + 2));

    const auditBefore = await countRows(handle.db, auditLog);
    groups = (await tree()).groups;
    expectOk(await moveGroup(context, testActor, groups[0]!.id, { direction: 'up' }));
    expectOk(await moveGroup(context, testActor, groups.at(-1)!.id, { direction: 'down' }));
    expect(namesOf((await tree()).groups)).toEqual(namesOf(groups));
    expect(await countRows(handle.db, auditLog)).toBe(auditBefore);
    expectFailure(await moveGroup(context, testActor, 'nosuchgroup00000', { direction: 'up' }), 'not_found');
  });

  it('moving a component to another group renumbers both groups', async () => {
    const from = await newGroup('From');
    const to = await newGroup('To');
    await newComponent('F1', from.id);
    const f2 = await newComponent('F2', from.id);
    await newComponent('F3', from.id);
    await newComponent('T1', to.id);

    tick();
    const moved = expectOk(await updateComponent(context, testActor, f2.id, { name: 'F2', groupId: to.id }));
    expect(moved).toMatchObject({ groupId: to.id, position: 2 });

    const fromComponents = await groupComponents(from.id);
    expect(namesOf(fromComponents)).toEqual(['F1', 'F3']);
    expect(positionsOf(fromComponents)).toEqual([1, 2]);
    const toComponents = await groupComponents(to.id);
    expect(namesOf(toComponents)).toEqual(['T1', 'F2']);
    expect(positionsOf(toComponents)).toEqual([1, 2]);

    const audit = (await auditRowsFor(handle.db, f2.id)).at(-1)!;
    expect(audit).toMatchObject({
      action: 'component.update',
      before: { groupId: from.id, position: 2 },
      after: { groupId: to.id, position: 2 },
    });

    // Moving it out of every group puts it last among the ungrouped components.
    tick();
    expectOk(await updateComponent(context, testActor, f2.id, { name: 'F2', groupId: null }));
    const { ungrouped } = await tree();
    expect(ungrouped.at(-1)!.id).toBe(f2.id);
    expect(positionsOf(ungrouped)).toEqual(oneTo(ungrouped.length));
    expect(positionsOf(await groupComponents(to.id))).toEqual([1]);
  });

  it('deleting a group keeps its components, ungrouped, after the ungrouped ones', async () => {
    const group = await newGroup('Doomed');
    const g1 = await newComponent('Doomed 1', group.id);
    const g2 = await newComponent('Doomed 2', group.id);
    const ungroupedBefore = (await tree()).ungrouped;

    tick();
    expectOk(await deleteGroup(context, testActor, group.id));

    const after = await tree();
    expect(after.groups.some((item) => item.id === group.id)).toBe(false);
    expect(await getGroup(context, group.id)).toBeUndefined();
    expect(after.ungrouped.map((item) => item.id)).toEqual([...ungroupedBefore.map((item) => item.id), g1.id, g2.id]);
    expect(positionsOf(after.ungrouped)).toEqual(oneTo(after.ungrouped.length));
    expect(await getComponent(context, g1.id)).toMatchObject({ groupId: null, archivedAt: null });

    const audit = (await auditRowsFor(handle.db, group.id)).at(-1)!;
    expect(audit).toMatchObject({ action: 'group.delete', entityType: 'group', after: null });
    expect(audit.before).toMatchObject({ id: group.id, name: 'Doomed' });

    expectFailure(await deleteGroup(context, testActor, group.id), 'not_found');
  });
});

describe('removing components', () => {
  it('deletes a component without history', async () => {
    const group = await newGroup('Removals');
    const keep1 = await newComponent('Keep 1', group.id);
    const gone = await newComponent('Gone', group.id);
    const keep2 = await newComponent('Keep 2', group.id);

    tick();
    expect(expectOk(await removeComponent(context, testActor, gone.id))).toEqual({ outcome: 'deleted' });
    expect(await getComponent(context, gone.id)).toBeUndefined();
    expect(await intervalsOf(handle.db, gone.id)).toEqual([]);

    const components = await groupComponents(group.id);
    expect(components.map((item) => item.id)).toEqual([keep1.id, keep2.id]);
    expect(positionsOf(components)).toEqual([1, 2]);

    const audit = (await auditRowsFor(handle.db, gone.id)).at(-1)!;
    expect(audit).toMatchObject({ action: 'component.delete', after: null });
    expect(audit.before).toMatchObject({ id: gone.id, name: 'Gone' });
    expectFailure(await removeComponent(context, testActor, gone.id), 'not_found');
  });

  it('archives a component that once had a non-operational status; its intervals stay', async () => {
    const group = await newGroup('Archive by status');
    const flaky = await newComponent('Flaky', group.id);
    const other = await newComponent('Other', group.id);
    tick();
    expectOk(await setComponentStatus(context, testActor, flaky.id, { status: 'degraded_performance' }));
    tick();
    expectOk(await setComponentStatus(context, testActor, flaky.id, { status: 'operational' }));

    tick();
    expect(expectOk(await removeComponent(context, testActor, flaky.id))).toEqual({ outcome: 'archived' });

    const row = await getComponent(context, flaky.id);
    expect(row?.archivedAt).toEqual(clock.now());
    const admin = await tree();
    const publicTree = await tree(true);
    for (const view of [admin, publicTree]) {
      const ids = [...view.ungrouped, ...view.groups.flatMap((item) => item.components)].map((item) => item.id);
      expect(ids).not.toContain(flaky.id);
    }
    const remaining = await groupComponents(group.id);
    expect(remaining.map((item) => item.id)).toEqual([other.id]);
    expect(positionsOf(remaining)).toEqual([1]);

    expect((await intervalsOf(handle.db, flaky.id)).map((item) => item.status)).toEqual([
      'operational',
      'degraded_performance',
      'operational',
    ]);
    expect((await auditRowsFor(handle.db, flaky.id)).at(-1)).toMatchObject({ action: 'component.archive' });

    // An archived component can no longer be changed or removed again.
    expectFailure(await removeComponent(context, testActor, flaky.id), 'not_found');
    expectFailure(await setComponentStatus(context, testActor, flaky.id, { status: 'major_outage' }), 'not_found');
    expectFailure(await updateComponent(context, testActor, flaky.id, { name: 'Back', groupId: group.id }), 'not_found');
    expectFailure(await moveComponent(context, testActor, flaky.id, { direction: 'up' }), 'not_found');
  });

  it('archives a component named in an incident', async () => {
    const item = await newComponent('Incident target', null);
    tick();
    expectOk(
      await declareIncident(context, testActor, {
        title: 'Slow responses',
        severity: 'low',
        status: 'investigating',
        message: 'Looking into it.',
        // Listed without a status change: the incident still names it.
        components: [{ componentId: item.id, status: 'operational' }],
      }),
    );
    tick();
    expect(expectOk(await removeComponent(context, testActor, item.id))).toEqual({ outcome: 'archived' });
    expect((await getComponent(context, item.id))?.archivedAt).not.toBeNull();
    expect(await intervalsOf(handle.db, item.id)).toHaveLength(1);
    expect((await tree()).ungrouped.map((row) => row.id)).not.toContain(item.id);
    expect(positionsOf((await tree()).ungrouped)).toEqual(oneTo((await tree()).ungrouped.length));
  });
});

describe('visibility', () => {
  it('the public tree leaves out hidden components, hidden groups and groups left empty', async () => {
    const visibleGroup = await newGroup('Visible group');
    const shown = await newComponent('Shown', visibleGroup.id);
    const hiddenComponent = await newComponent('Secret', visibleGroup.id, { hidden: true });
    const hiddenGroup = await newGroup('Hidden group', { hidden: true });
    const inHiddenGroup = await newComponent('In hidden group', hiddenGroup.id);
    const onlyHidden = await newGroup('Only hidden members');
    const hiddenMember = await newComponent('Hidden member', onlyHidden.id, { hidden: true });
    const empty = await newGroup('Empty group');
    const hiddenUngrouped = await newComponent('Hidden ungrouped', null, { hidden: true });

    const publicTree = await tree(true);
    const publicIds = [...publicTree.ungrouped, ...publicTree.groups.flatMap((group) => group.components)].map((item) => item.id);
    expect(publicIds).toContain(shown.id);
    for (const hidden of [hiddenComponent, inHiddenGroup, hiddenMember, hiddenUngrouped]) expect(publicIds).not.toContain(hidden.id);
    const publicGroupIds = publicTree.groups.map((group) => group.id);
    expect(publicGroupIds).toContain(visibleGroup.id);
    for (const group of [hiddenGroup, onlyHidden, empty]) expect(publicGroupIds).not.toContain(group.id);
    expect(publicTree.groups.every((group) => group.components.length > 0 && !group.hidden)).toBe(true);

    // Staff still see everything.
    const adminTree = await tree();
    const adminIds = [...adminTree.ungrouped, ...adminTree.groups.flatMap((group) => group.components)].map((item) => item.id);
    for (const item of [shown, hiddenComponent, inHiddenGroup, hiddenMember, hiddenUngrouped]) expect(adminIds).toContain(item.id);
    expect(adminTree.groups.map((group) => group.id)).toEqual(expect.arrayContaining([hiddenGroup.id, onlyHidden.id, empty.id]));
  });
});

describe('setComponentStatus', () => {
  it('closes the open interval and opens a new one at each change', async () => {
    const item = await newComponent('Database', null);
    const created = clock.now();

    const t1 = clock.advance(HOUR);
    expect(expectOk(await setComponentStatus(context, testActor, item.id, { status: 'major_outage' }))).toEqual({
      from: 'operational',
      to: 'major_outage',
    });
    expect(await getComponent(context, item.id)).toMatchObject({ status: 'major_outage', updatedAt: t1 });

    const t2 = clock.advance(2 * HOUR);
    expectOk(await setComponentStatus(context, testActor, item.id, { status: 'partial_outage' }));
    const t3 = clock.advance(HOUR);
    expectOk(await setComponentStatus(context, testActor, item.id, { status: 'operational' }));

    const intervals = await intervalsOf(handle.db, item.id);
    expect(intervals.map(({ status, startedAt, endedAt, incidentId }) => ({ status, startedAt, endedAt, incidentId }))).toEqual([
      { status: 'operational', startedAt: created, endedAt: t1, incidentId: null },
      { status: 'major_outage', startedAt: t1, endedAt: t2, incidentId: null },
      { status: 'partial_outage', startedAt: t2, endedAt: t3, incidentId: null },
      { status: 'operational', startedAt: t3, endedAt: null, incidentId: null },
    ]);

    const statusAudit = (await auditRowsFor(handle.db, item.id)).filter((row) => row.action === 'component.status');
    expect(statusAudit.map((row) => [row.before, row.after])).toEqual([
      [{ status: 'operational' }, { status: 'major_outage' }],
      [{ status: 'major_outage' }, { status: 'partial_outage' }],
      [{ status: 'partial_outage' }, { status: 'operational' }],
    ]);
  });

  it('setting the status a component already has writes nothing', async () => {
    const item = await newComponent('Steady', null);
    const auditBefore = await countRows(handle.db, auditLog);
    tick();
    expect(expectOk(await setComponentStatus(context, testActor, item.id, { status: 'operational' }))).toEqual({
      from: 'operational',
      to: 'operational',
    });
    expect(await intervalsOf(handle.db, item.id)).toHaveLength(1);
    expect(await countRows(handle.db, auditLog)).toBe(auditBefore);
  });

  it('refuses an unknown status', async () => {
    const item = await newComponent('Picky', null);
    expect(expectInvalid(await setComponentStatus(context, testActor, item.id, { status: 'on_fire' as 'operational' }))).toHaveProperty(
      'status',
    );
    expect(await getComponent(context, item.id)).toMatchObject({ status: 'operational' });
    expect(await intervalsOf(handle.db, item.id)).toHaveLength(1);
  });
});

describe('validation', () => {
  async function snapshot() {
    return {
      components: await countRows(handle.db, component),
      groups: await countRows(handle.db, componentGroup),
      intervals: await countRows(handle.db, componentStatusInterval),
      audit: await countRows(handle.db, auditLog),
    };
  }

  it('refuses bad component input and changes nothing', async () => {
    const group = await newGroup('Validation');
    const existing = await newComponent('Existing', group.id);
    const before = await snapshot();
    tick();

    expect(expectInvalid(await createComponent(context, testActor, { name: '', groupId: group.id }))).toHaveProperty('name');
    expect(expectInvalid(await createComponent(context, testActor, { name: '   ', groupId: group.id }))).toHaveProperty('name');
    expect(expectInvalid(await createComponent(context, testActor, { name: 'x'.repeat(101), groupId: group.id }))).toEqual({
      name: 'Name must be at most 100 characters.',
    });
    expect(expectInvalid(await createComponent(context, testActor, { name: 'Dated', startDate: 'yesterday' }))).toHaveProperty('startDate');
    expect(expectInvalid(await createComponent(context, testActor, { name: 'Dated', startDate: '2026-02-30' }))).toHaveProperty(
      'startDate',
    );
    expect(expectInvalid(await createComponent(context, testActor, { name: 'Orphan', groupId: 'nosuchgroup00000' }))).toEqual({
      groupId: 'Choose a group from the list.',
    });
    expect(expectInvalid(await createComponent(context, testActor, { name: 'Orphan', groupId: 'Not An Id!' }))).toHaveProperty('groupId');

    expect(expectInvalid(await updateComponent(context, testActor, existing.id, { name: ' ', groupId: group.id }))).toHaveProperty('name');
    expect(
      expectInvalid(await updateComponent(context, testActor, existing.id, { name: 'x'.repeat(101), groupId: group.id })),
    ).toHaveProperty('name');
    expect(
      expectInvalid(
        await updateComponent(context, testActor, existing.id, { name: 'Existing', groupId: group.id, startDate: '31/01/2026' }),
      ),
    ).toHaveProperty('startDate');
    expect(
      expectInvalid(await updateComponent(context, testActor, existing.id, { name: 'Existing', groupId: 'nosuchgroup00000' })),
    ).toEqual({ groupId: 'Choose a group from the list.' });
    expectFailure(await updateComponent(context, testActor, 'nosuchcomponent0', { name: 'Ghost' }), 'not_found');

    expect(await snapshot()).toEqual(before);
    expect(await getComponent(context, existing.id)).toEqual(existing);
  });

  it('refuses bad group input and changes nothing', async () => {
    const group = await newGroup('Valid group');
    const before = await snapshot();
    tick();
    expect(expectInvalid(await createGroup(context, testActor, { name: '' }))).toHaveProperty('name');
    expect(expectInvalid(await createGroup(context, testActor, { name: 'g'.repeat(101) }))).toHaveProperty('name');
    expect(expectInvalid(await updateGroup(context, testActor, group.id, { name: '  ' }))).toHaveProperty('name');
    expectFailure(await updateGroup(context, testActor, 'nosuchgroup00000', { name: 'Ghost' }), 'not_found');
    expect(await snapshot()).toEqual(before);
    expect(await getGroup(context, group.id)).toEqual(group);
  });

  it('accepts a 100-character name and an ISO start date', async () => {
    const item = await newComponent('y'.repeat(100), null);
    expect(item.name).toHaveLength(100);
    tick();
    const dated = expectOk(await createComponent(context, testActor, { name: 'Dated', startDate: '2026-01-31' }));
    expect(dated.startDate).toBe('2026-01-31');
  });
});

describe('audit trail', () => {
  it('every write to a component leaves one audit row, stamped with its time and actor', async () => {
    const group = await newGroup('Audited');
    const item = await newComponent('Audited component', group.id);
    await newComponent('Neighbour', group.id);
    tick();
    expectOk(await updateComponent(context, testActor, item.id, { name: 'Audited component 2', groupId: group.id }));
    tick();
    expectOk(await moveComponent(context, testActor, item.id, { direction: 'down' }));
    tick();
    expectOk(await setComponentStatus(context, testActor, item.id, { status: 'under_maintenance' }));
    const last = tick();
    expectOk(await removeComponent(context, testActor, item.id));

    const rows = await auditRowsFor(handle.db, item.id);
    expect(rows.map((row) => row.action)).toEqual([
      'component.create',
      'component.update',
      'component.move',
      'component.status',
      'component.archive',
    ]);
    expect(rows.every((row) => row.entityType === 'component' && row.actorLabel === 'test-suite' && row.actorUserId === null)).toBe(true);
    expect(rows.at(-1)!.at).toEqual(last);
    // Each row carries the state it describes: the new state, the old one, or both.
    for (const row of rows) expect(row.before !== null || row.after !== null).toBe(true);

    const [stored] = await handle.db.select().from(auditLog).where(eq(auditLog.id, rows[0]!.id));
    expect(stored!.after).toMatchObject({ name: 'Audited component' });
  });
});
