import { z } from 'zod';
import { componentsInOrder } from '../../../domain/component-sections';
import type { ComponentGroupRow, ComponentRow } from '../../db/schema';
import {
  componentInput,
  componentStatusInput,
  createComponent,
  createGroup,
  getComponent,
  getGroup,
  groupInput,
  listComponentTree,
  setComponentStatus,
  updateComponent,
  updateGroup,
} from '../../services/components/catalog';
import { notFound, success, type ServiceResult } from '../../services/kernel/errors';
import { componentJson, componentResource, groupJson, groupResource, listOf } from '../resources';
import { patched, pathId, route, type ApiCall } from '../route';

const componentFields = (row: ComponentRow) => ({
  name: row.name,
  description: row.description,
  groupId: row.groupId,
  hidden: row.hidden,
  onlyShowIfDegraded: row.onlyShowIfDegraded,
  startDate: row.startDate,
});

async function withComponent<T>(call: ApiCall, act: (row: ComponentRow) => Promise<ServiceResult<T>>): Promise<ServiceResult<T>> {
  const row = await getComponent(call.context, pathId(call));
  return row && !row.archivedAt ? act(row) : notFound('That component does not exist.');
}

async function groupWithIds(call: ApiCall, row: ComponentGroupRow) {
  const tree = await listComponentTree(call.context);
  return groupJson(row, tree.groups.find((group) => group.id === row.id)?.components.map((item) => item.id) ?? []);
}

export const componentRoutes = [
  route({
    method: 'GET',
    path: '/components',
    operationId: 'listComponents',
    summary: 'Every component (not archived), in display order',
    tag: 'Components',
    role: 'viewer',
    response: { status: 200, description: 'The components', schema: listOf(componentResource) },
    async handle({ context }) {
      const tree = await listComponentTree(context);
      return success({ data: componentsInOrder(tree).map(componentJson) });
    },
  }),
  route({
    method: 'POST',
    path: '/components',
    operationId: 'createComponent',
    summary: 'Create a component',
    tag: 'Components',
    role: 'admin',
    body: componentInput,
    response: { status: 201, description: 'The new component', schema: componentResource },
    async handle({ context, principal, body }) {
      const result = await createComponent(context, principal.actor, body as z.input<typeof componentInput>);
      return result.ok ? success(componentJson(result.value)) : result;
    },
  }),
  route({
    method: 'GET',
    path: '/components/{id}',
    operationId: 'getComponent',
    summary: 'One component',
    tag: 'Components',
    role: 'viewer',
    response: { status: 200, description: 'The component', schema: componentResource },
    handle: (call) => withComponent(call, async (row) => success(componentJson(row))),
  }),
  route({
    method: 'PATCH',
    path: '/components/{id}',
    operationId: 'updateComponent',
    summary: 'Change a component (fields left out keep their values)',
    tag: 'Components',
    role: 'admin',
    body: componentInput.partial(),
    response: { status: 200, description: 'The component as saved', schema: componentResource },
    handle: (call) =>
      withComponent(call, async (row) => {
        const result = await updateComponent(
          call.context,
          call.principal.actor,
          row.id,
          patched(componentFields(row), call.body) as z.input<typeof componentInput>,
        );
        return result.ok ? success(componentJson(result.value)) : result;
      }),
  }),
  route({
    method: 'POST',
    path: '/components/{id}/status',
    operationId: 'setComponentStatus',
    summary: "Set a component's status outside any incident",
    tag: 'Components',
    role: 'responder',
    body: componentStatusInput,
    response: { status: 200, description: 'The component with its new status', schema: componentResource },
    handle: (call) =>
      withComponent(call, async (row) => {
        const result = await setComponentStatus(
          call.context,
          call.principal.actor,
          row.id,
          call.body as z.input<typeof componentStatusInput>,
        );
        if (!result.ok) return result;
        const updated = await getComponent(call.context, row.id);
        return updated ? success(componentJson(updated)) : notFound('That component does not exist.');
      }),
  }),
  route({
    method: 'GET',
    path: '/groups',
    operationId: 'listGroups',
    summary: 'Every component group, in display order, with its components',
    tag: 'Components',
    role: 'viewer',
    response: { status: 200, description: 'The groups', schema: listOf(groupResource) },
    async handle({ context }) {
      const tree = await listComponentTree(context);
      return success({
        data: tree.groups.map(({ components, ...group }) =>
          groupJson(
            group,
            components.map((item) => item.id),
          ),
        ),
      });
    },
  }),
  route({
    method: 'POST',
    path: '/groups',
    operationId: 'createGroup',
    summary: 'Create a component group',
    tag: 'Components',
    role: 'admin',
    body: groupInput,
    response: { status: 201, description: 'The new group', schema: groupResource },
    async handle(call) {
      const result = await createGroup(call.context, call.principal.actor, call.body as z.input<typeof groupInput>);
      return result.ok ? success(await groupWithIds(call, result.value)) : result;
    },
  }),
  route({
    method: 'PATCH',
    path: '/groups/{id}',
    operationId: 'updateGroup',
    summary: 'Change a component group (fields left out keep their values)',
    tag: 'Components',
    role: 'admin',
    body: groupInput.partial(),
    response: { status: 200, description: 'The group as saved', schema: groupResource },
    async handle(call) {
      const row = await getGroup(call.context, pathId(call));
      if (!row) return notFound('That group does not exist.');
      const stored = { name: row.name, description: row.description, hidden: row.hidden };
      const result = await updateGroup(
        call.context,
        call.principal.actor,
        row.id,
        patched(stored, call.body) as z.input<typeof groupInput>,
      );
      return result.ok ? success(await groupWithIds(call, result.value)) : result;
    },
  }),
];
